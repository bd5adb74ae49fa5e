"""The demo school's profile, policy, ladder and letters, for `seed_demo`. Idempotent."""

import datetime

from django.db import transaction

from policies.defaults import load_defaults
from policies.models import PolicyVersion, School, TermHoliday

DEMO_SCHOOL = {
    "name": "Hillside Primary School",
    "code": "HIL",
    "address": "1 School Lane\nHillside\nExampletown",
    "postcode": "EX1 2MP",
    "phone": "01234 567890",
    "email": "office@hillside.example",
    "website": "www.hillside.example",
    "head_teacher_name": "Helen Hart",
    "chair_of_governors_name": "Grace Gordon",
    "safeguarding_lead_name": "Daniel Shah",
}

# An English primary school's year, as a local authority publishes it: two half terms each in autumn,
# spring and summer; a few INSET days. Bank holidays (Good Friday, the May bank holidays) need no row:
# school days skip them from the `holidays` package.
DEMO_TERM_HOLIDAYS: list[tuple[str, datetime.date, datetime.date]] = [
    ("October half term 2024", datetime.date(2024, 10, 28), datetime.date(2024, 11, 1)),
    ("Christmas holiday 2024", datetime.date(2024, 12, 23), datetime.date(2025, 1, 3)),
    ("February half term 2025", datetime.date(2025, 2, 17), datetime.date(2025, 2, 21)),
    ("Easter holiday 2025", datetime.date(2025, 4, 7), datetime.date(2025, 4, 21)),
    ("May half term 2025", datetime.date(2025, 5, 26), datetime.date(2025, 5, 30)),
    ("Summer holiday 2025", datetime.date(2025, 7, 23), datetime.date(2025, 9, 2)),
    ("October half term 2025", datetime.date(2025, 10, 27), datetime.date(2025, 10, 31)),
    ("Christmas holiday 2025", datetime.date(2025, 12, 22), datetime.date(2026, 1, 2)),
    ("February half term 2026", datetime.date(2026, 2, 16), datetime.date(2026, 2, 20)),
    ("Easter holiday 2026", datetime.date(2026, 3, 30), datetime.date(2026, 4, 10)),
    ("May half term 2026", datetime.date(2026, 5, 25), datetime.date(2026, 5, 29)),
    ("Summer holiday 2026", datetime.date(2026, 7, 23), datetime.date(2026, 9, 1)),
    ("INSET day", datetime.date(2026, 9, 2), datetime.date(2026, 9, 2)),
    ("October half term 2026", datetime.date(2026, 10, 26), datetime.date(2026, 10, 30)),
    ("Christmas holiday 2026", datetime.date(2026, 12, 21), datetime.date(2027, 1, 1)),
    ("February half term 2027", datetime.date(2027, 2, 15), datetime.date(2027, 2, 19)),
    ("Easter holiday 2027", datetime.date(2027, 3, 26), datetime.date(2027, 4, 9)),
    ("May half term 2027", datetime.date(2027, 5, 31), datetime.date(2027, 6, 4)),
    ("Summer holiday 2027", datetime.date(2027, 7, 22), datetime.date(2027, 8, 31)),
    ("INSET day", datetime.date(2027, 9, 1), datetime.date(2027, 9, 1)),
    ("October half term 2027", datetime.date(2027, 10, 25), datetime.date(2027, 10, 29)),
    ("Christmas holiday 2027", datetime.date(2027, 12, 20), datetime.date(2028, 1, 3)),
    ("February half term 2028", datetime.date(2028, 2, 14), datetime.date(2028, 2, 18)),
    ("Easter holiday 2028", datetime.date(2028, 4, 10), datetime.date(2028, 4, 21)),
    ("May half term 2028", datetime.date(2028, 5, 29), datetime.date(2028, 6, 2)),
    ("Summer holiday 2028", datetime.date(2028, 7, 24), datetime.date(2028, 8, 31)),
]


@transaction.atomic
def seed_school() -> tuple[School, bool]:
    """Create the demo school profile if there is no school yet. Writes: one School."""
    school = School.objects.order_by("pk").first()
    if school is not None:
        return school, False
    return School.objects.create(**DEMO_SCHOOL), True


def seed_policies(school: School) -> list[str]:
    """Give the demo school Casebook's default policy, ladder and letters. Returns what was created, briefly."""
    # Adopted at the start of the school year before last, so every demo incident (they go back two
    # school years) falls under it…
    today = datetime.date.today()
    this_year_began = today.year if today.month >= 9 else today.year - 1
    adopted = datetime.date(this_year_began - 2, 9, 1)
    created = load_defaults(school=school, today=adopted)
    # …and due for review next September, not overdue on the first morning of the demo.
    PolicyVersion.objects.filter(policy__school=school, adopted_on=adopted).update(
        review_on=datetime.date(this_year_began + 1, 9, 1))
    summary = []
    for kind, label in (("letter template", "letter templates"), ("response", "rungs of the ladder")):
        count = sum(1 for item in created if item.startswith(kind + " "))
        if count:
            summary.append(f"{count} {label}")
    return summary + [item for item in created if item.startswith("policy ")]


@transaction.atomic
def seed_term_dates(school: School) -> list[str]:
    """Give the demo school this school year's and next year's holidays, where it lacks them.
    Writes: a TermHoliday for each missing one. Returns ["term dates"] when any was added."""
    added = False
    for name, starts_on, ends_on in DEMO_TERM_HOLIDAYS:
        _, created = TermHoliday.objects.get_or_create(
            school=school, starts_on=starts_on, ends_on=ends_on, defaults={"name": name})
        added = added or created
    return ["term dates"] if added else []
