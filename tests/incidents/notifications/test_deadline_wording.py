"""Each deadline is worded by how it stands today: overdue, due today, due tomorrow, due soon, due
later. A deadline still to come never reads as if it had passed ("has been waiting more than 5 school days")."""

import datetime

import pytest
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.models import Case
from incidents.notifications.deadlines import Deadline, DeadlineContext, Urgency, decisions_waiting

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 7)  # a Monday


def _due(on: datetime.date) -> Deadline:
    return Deadline(key="x", case=None, due_on=on, recipients=(),
                    title="A case has been waiting for a decision for more than 5 school days",
                    subject="A decision on a case waiting for the Head Teacher")


@pytest.mark.parametrize(("due_on", "urgency", "wording"), [
    (datetime.date(2026, 12, 2), Urgency.OVERDUE, "overdue by 5 days (due Wed 2 Dec)"),
    (TODAY - datetime.timedelta(days=1), Urgency.OVERDUE, "overdue by 1 day (due Sun 6 Dec)"),
    (TODAY, Urgency.TODAY, "due today"),
    (TODAY + datetime.timedelta(days=1), Urgency.SOON, "due tomorrow (Tue 8 Dec)"),
    (datetime.date(2026, 12, 11), Urgency.SOON, "due in 4 days (Fri 11 Dec)"),
    (datetime.date(2026, 12, 30), Urgency.LATER, "due Wed 30 Dec"),
    (datetime.date(2027, 1, 4), Urgency.LATER, "due Mon 4 Jan 2027"),
    (datetime.date(9999, 12, 31), Urgency.LATER, "due Fri 31 Dec 9999"),
])
def test_deadline_wording_follows_the_day(due_on, urgency, wording):
    deadline = _due(due_on)
    assert deadline.urgency(TODAY) == urgency
    assert deadline.wording(TODAY) == f"A decision on a case waiting for the Head Teacher: {wording}"
    if due_on >= TODAY:
        assert "waiting for a decision for more than" not in deadline.wording(TODAY)
        assert "overdue" not in deadline.wording(TODAY)


def test_a_deadline_on_the_last_day_a_date_can_hold_has_no_overflowing_day_after():
    assert _due(datetime.date.max).overdue_on == datetime.date.max
    assert _due(datetime.date(2026, 12, 7)).overdue_on == datetime.date(2026, 12, 8)


def test_a_decision_that_began_waiting_today_is_shown_as_due_not_as_overdue(school, case, lead, head):
    case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=lead)
    case_services.case_transition(case=case, to=Case.Status.AWAITING_DECISION, by=lead, step="recommendation")
    today = timezone.localdate()
    context = DeadlineContext(school=school, today=today, user=head, last_day=today + datetime.timedelta(days=14),
                              limit=10)
    (deadline,) = decisions_waiting(context).deadlines
    assert deadline.due_on > today
    assert deadline.wording(today).startswith("A decision on a case waiting for the Head Teacher: due ")
    # Three weeks later it is overdue, and says so.
    later = deadline.due_on + datetime.timedelta(days=3)
    assert deadline.wording(later).startswith(
        f"A decision on a case waiting for the Head Teacher: overdue by 3 days (due {deadline.due_on:%a} ")
