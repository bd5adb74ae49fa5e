"""Reminders and home-page panels that come from decisions and sanctions."""

import datetime

import pytest
from django.utils import timezone

from incidents.decisions import ban as ban_process
from incidents.decisions import sanctions
from incidents.models import Sanction
from incidents.notifications import deadlines
from incidents.reports.statistics import cases_by_response
from policies.models import ResponseType
from policies.selectors import SchoolDays
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
State = Sanction.State


def _keys(school, today):
    return {d.key: d for d in deadlines.deadlines(school=school, today=today)}


@pytest.fixture
def ban(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.PROVISIONAL_BAN])
    ban = case.sanctions.get()
    sanctions.sanction_transition(sanction=ban, to=State.PROVISIONAL, by=head, details={
        "reasons": "Threatened staff.", "conditions": "Grandmother collects.", "starts_on": TODAY})
    ban.refresh_from_db()
    return ban


def test_representations_deadline_is_reminded_3_school_days_before_and_on_the_day(ban, school, head, lead):
    deadline = _keys(school, TODAY)[f"representations:{ban.pk}"]
    assert deadline.due_on == ban.representations_due
    before, on_the_day = deadline.remind_on
    assert on_the_day == ban.representations_due
    school_days = SchoolDays(school, TODAY)
    assert school_days.after(before, 3) == ban.representations_due
    assert {head, lead} <= set(deadline.recipients)


def test_a_confirmed_ban_is_reminded_14_days_before_its_review(ban, school, head):
    ban_process.representation_record(sanction=ban, by=head, received_on=TODAY, text="I apologise.")
    review_on = TODAY + datetime.timedelta(days=20)
    sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head, details={
        "ends_on": TODAY + datetime.timedelta(days=90), "review_on": review_on, "reasons": "Confirmed after review."})
    deadline = _keys(school, TODAY)[f"ban-review:{ban.pk}:{review_on.isoformat()}"]
    assert deadline.remind_on[0] == review_on - datetime.timedelta(days=14)


def test_the_head_sees_ban_reviews_due_on_the_home_page(ban, school, head, client_for):
    ban_process.representation_record(sanction=ban, by=head, received_on=TODAY, text="Sorry.")
    sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head, details={
        "ends_on": TODAY + datetime.timedelta(days=60), "review_on": TODAY + datetime.timedelta(days=7),
        "reasons": "Confirmed."})
    page = client_for(head).get("/").content.decode()
    assert "Ban reviews due" in page and ban.case.reference in page


def test_a_meeting_is_reminded_the_day_before(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.MEETING])
    meeting = case.sanctions.get()
    meeting_on = TODAY + datetime.timedelta(days=3)
    step = sanctions.sanction_transition(sanction=meeting, to=State.INVITED, by=lead,
                                         details={"meeting_on": meeting_on})
    deadline = _keys(school, TODAY)[f"meeting:{step.pk}"]
    assert deadline.due_on == meeting_on and deadline.remind_on == (meeting_on - datetime.timedelta(days=1),)


def test_reports_count_cases_by_the_response_decided(school, lead, head):
    from incidents.models import Case

    factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.WARNING])
    factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.WARNING])
    assert dict(cases_by_response(Case.objects.all())) == {
        ResponseType.objects.get(school=school, code="warning").name: 2}
