"""Property: over random ban histories, every letter drafted from a step carries exactly that step's
recorded dates, whatever was typed, and prints them."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.decisions import sanctions
from incidents.letters import services as letter_services
from incidents.models import Sanction
from tests.incidents.letters.letter_setup import decided_sanction, realistic_case

pytestmark = pytest.mark.django_db
State = Sanction.State


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


review = st.fixed_dictionaries({
    "to": st.sampled_from([State.CONFIRMED, State.VARIED]),
    "ends_in": st.integers(min_value=1, max_value=400),
    "review_in": st.integers(min_value=1, max_value=200),
    "conditions": st.sampled_from(["Side gate only.", "Office by appointment.", "No change to the gate."]),
})
history = st.fixed_dictionaries({
    "started_ago": st.integers(min_value=0, max_value=90),
    "due_after": st.integers(min_value=1, max_value=30),
    "reviews": st.lists(review, max_size=3),
    "lifted": st.booleans(),
    # What someone might type over a recorded date: never one of the step's own (those are near today).
    "typed": st.one_of(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2019, 12, 31)),
                       st.dates(min_value=datetime.date(2100, 1, 1), max_value=datetime.date(9999, 12, 31))),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=history)
def test_every_letter_from_a_ban_step_carries_exactly_the_steps_dates(history, school, office, lead, head):
    today = timezone.localdate()
    with transaction.atomic():
        case, parent = realistic_case(school=school, office=office, lead=lead)
        ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
        starts_on = today - datetime.timedelta(days=history["started_ago"])
        due = starts_on + datetime.timedelta(days=history["due_after"])
        reviews = history["reviews"] if due < today else []  # reviewed only once the deadline has passed
        taken = [sanctions.sanction_transition(
            sanction=ban, to=State.PROVISIONAL, by=head, on=starts_on,
            details={"reasons": "Shouted at staff.", "conditions": "Side gate only.", "starts_on": starts_on,
                     "representations_due": due})]
        for step in reviews:
            taken.append(sanctions.sanction_transition(sanction=ban, to=step["to"], by=head, on=today, details={
                "ends_on": today + datetime.timedelta(days=step["ends_in"]),
                "review_on": today + datetime.timedelta(days=step["review_in"]),
                "conditions": step["conditions"], "reasons": "Reviewed."}))
        if history["lifted"] and reviews:
            taken.append(sanctions.sanction_transition(sanction=ban, to=State.LIFTED, by=head, on=today,
                                                       details={"reasons": "No further incidents."}))
        typed = history["typed"].isoformat()
        for step in taken:
            letter = letter_services.letter_start(
                case=case, purpose="", by=lead, recipient=parent, step=step,
                parts={"ban_start": typed, "representations_deadline": typed, "ban_review_on": typed,
                       "effective_on": typed, "ban_length": f"until {typed}"})
            assert letter.purpose == step.letter_purpose
            parts, text = letter.parts, " ".join(letter.html.split())
            assert parts["ban_start"] == starts_on.isoformat() and _long(starts_on) in text
            if step.to_state == State.PROVISIONAL:
                assert parts["representations_deadline"] == due.isoformat() and _long(due) in text
            if step.to_state in (State.CONFIRMED, State.VARIED):
                ends_on = datetime.date.fromisoformat(step.details["ends_on"])
                review_on = datetime.date.fromisoformat(step.details["review_on"])
                assert parts["ban_length"] == f"until {_long(ends_on)}" and f"until {_long(ends_on)}" in text
                assert parts["ban_review_on"] == review_on.isoformat() and _long(review_on) in text
            if step.to_state in (State.CONFIRMED, State.VARIED, State.LIFTED):
                assert parts["effective_on"] == step.on.isoformat()
            if step.to_state == State.LIFTED:
                assert f"with effect from {_long(step.on)}" in text
            assert _long(history["typed"]) not in text and history["typed"].isoformat() not in text
        transaction.set_rollback(True)
