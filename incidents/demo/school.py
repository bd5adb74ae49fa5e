"""The demo school's profile, policy, ladder and letters, for `seed_demo`. Idempotent."""

import datetime

from django.db import transaction

from policies.defaults import load_defaults
from policies.models import PolicyVersion, School

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
    # Adopted at the start of last school year, so the demo's earlier incidents fall under it.
    today = datetime.date.today()
    adopted = datetime.date(today.year - 1 if today.month >= 9 else today.year - 2, 9, 1)
    created = load_defaults(school=school, today=adopted)
    # …and due for review next September, not overdue on the first morning of the demo.
    PolicyVersion.objects.filter(policy__school=school, adopted_on=adopted).update(
        review_on=datetime.date(adopted.year + 2, 9, 1))
    summary = []
    for kind, label in (("letter template", "letter templates"), ("response", "rungs of the ladder")):
        count = sum(1 for item in created if item.startswith(kind + " "))
        if count:
            summary.append(f"{count} {label}")
    return summary + [item for item in created if item.startswith("policy ")]
