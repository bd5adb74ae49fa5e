"""The demo school's profile, policy, ladder and letters, for `seed_demo`. Idempotent."""

from django.db import transaction

from policies.defaults import load_defaults
from policies.models import School

DEMO_SCHOOL = {
    "name": "Hillside Primary School",
    "address": "1 School Lane\nHillside\nExampletown",
    "postcode": "EX1 2MP",
    "phone": "01234 567890",
    "email": "office@hillside.example",
    "website": "www.hillside.example",
    "head_teacher_name": "Helen Hart",
    "chair_of_governors_name": "Grace Gordon",
    "safeguarding_lead_name": "Daniel Shah",
}


@transaction.atomic
def seed_school() -> tuple[School, bool]:
    """Create the demo school profile if there is no school yet. Writes: one School."""
    school = School.objects.order_by("pk").first()
    if school is not None:
        return school, False
    return School.objects.create(**DEMO_SCHOOL), True


def seed_policies(school: School) -> list[str]:
    """Give the demo school Casebook's default policy, ladder and letters. Returns what was created, briefly."""
    created = load_defaults(school=school)
    summary = []
    for kind, label in (("letter template", "letter templates"), ("response", "rungs of the ladder")):
        count = sum(1 for item in created if item.startswith(kind + " "))
        if count:
            summary.append(f"{count} {label}")
    return summary + [item for item in created if item.startswith("policy ")]
