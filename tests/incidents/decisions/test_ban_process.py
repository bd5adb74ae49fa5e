import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.decisions import ban as ban_process
from incidents.decisions import complaints, sanctions
from incidents.models import Case, Sanction
from incidents.transitions import IllegalTransition
from policies.models import ResponseType, TermHoliday
from policies.selectors import school_days_after
from tests import factories
from tests.incidents.conftest import PNG

pytestmark = pytest.mark.django_db
State = Sanction.State
TODAY = timezone.localdate()


@pytest.fixture
def ban(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.PROVISIONAL_BAN])
    return case.sanctions.get()


def _provisional(ban, by, starts_on=TODAY, **extra):
    details = {"reasons": "Threatened the deputy head at the gate.",
               "conditions": "Child to be dropped off and collected by the grandmother at the side gate.",
               "starts_on": starts_on, **extra}
    return sanctions.sanction_transition(sanction=ban, to=State.PROVISIONAL, by=by, details=details)


def test_school_days_skip_weekends_and_holidays(school):
    friday = datetime.date(2026, 10, 16)
    assert school_days_after(school=school, start=friday, days=1) == datetime.date(2026, 10, 19)
    TermHoliday.objects.create(school=school, name="Half term", starts_on=datetime.date(2026, 10, 26),
                               ends_on=datetime.date(2026, 10, 30))
    # 10 school days from Fri 16 Oct, with half term: 19–23 Oct (5), 2–6 Nov (5).
    assert school_days_after(school=school, start=friday, days=10) == datetime.date(2026, 11, 6)


def test_provisional_ban_sets_the_deadline_from_the_school_profile(ban, lead, school):
    step = _provisional(ban, lead, starts_on=datetime.date(2026, 10, 16))
    ban.refresh_from_db()
    assert ban.state == State.PROVISIONAL
    assert ban.representations_due == datetime.date(2026, 10, 30)  # 10 school days, no holidays
    assert "drop" in ban.conditions and step.letter_purpose == "provisional_ban"
    assert ban.case.status == Case.Status.SANCTION_IN_FORCE


def test_a_ban_is_not_confirmed_before_the_deadline_without_representations(ban, lead, head):
    _provisional(ban, lead)
    with pytest.raises(ValidationError, match="cannot be confirmed before then"):
        sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head, details={
            "ends_on": TODAY + datetime.timedelta(days=90), "review_on": TODAY + datetime.timedelta(days=45)})
    ban.refresh_from_db()
    assert ban.state == State.PROVISIONAL


def test_representations_with_files_allow_review_and_are_kept_as_evidence(ban, lead, head):
    _provisional(ban, lead)
    representation = ban_process.representation_record(
        sanction=ban, by=lead, received_on=TODAY, text="I was upset; I apologise to the deputy head.",
        files=[("letter.png", PNG)])
    assert representation.files.get().sha256 and ban.case.evidence.count() == 1
    step = sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head, details={
        "ends_on": TODAY + datetime.timedelta(days=90), "review_on": TODAY + datetime.timedelta(days=45),
        "with_chair": True})
    ban.refresh_from_db()
    assert ban.state == State.CONFIRMED and step.letter_purpose == "ban_confirmed"
    assert step.details["reviewed_by"].endswith("with Grace Gordon")


def test_after_the_deadline_the_head_may_confirm_but_not_without_a_review_date(ban, lead, head):
    _provisional(ban, lead, starts_on=TODAY - datetime.timedelta(days=30))
    with pytest.raises(ValidationError, match="review on"):
        sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head,
                                      details={"ends_on": TODAY + datetime.timedelta(days=90)})
    with pytest.raises(PermissionDenied):
        sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=lead, details={
            "ends_on": TODAY + datetime.timedelta(days=90), "review_on": TODAY + datetime.timedelta(days=30)})
    sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head, details={
        "ends_on": TODAY + datetime.timedelta(days=90), "review_on": TODAY + datetime.timedelta(days=30)})
    ban.refresh_from_db()
    assert ban.review_on == TODAY + datetime.timedelta(days=30)


def test_reviews_continue_vary_and_finally_lift_the_ban(ban, lead, head):
    _provisional(ban, lead, starts_on=TODAY - datetime.timedelta(days=30))
    far = TODAY + datetime.timedelta(days=120)
    sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head,
                                  details={"ends_on": far, "review_on": TODAY + datetime.timedelta(days=10)})
    sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head,
                                  details={"ends_on": far, "review_on": TODAY + datetime.timedelta(days=40)})
    sanctions.sanction_transition(sanction=ban, to=State.VARIED, by=head, details={
        "conditions": "May attend parents' evening by appointment.", "ends_on": far,
        "review_on": TODAY + datetime.timedelta(days=60)})
    sanctions.sanction_transition(sanction=ban, to=State.LIFTED, by=head, details={"reasons": "No further incidents."})
    ban.refresh_from_db()
    assert ban.state == State.LIFTED
    assert [s.letter_purpose for s in ban.steps.all()] == [
        "provisional_ban", "ban_confirmed", "ban_confirmed", "ban_varied", "ban_lifted"]
    summaries = list(ban.case.events.values_list("summary", flat=True))
    assert any("reviewed, continues" in s for s in summaries)
    with pytest.raises(IllegalTransition):
        sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head,
                                      details={"ends_on": far, "review_on": far})
    case_services.case_transition(case=ban.case, to="closed", by=head)


def test_contest_refers_the_case_to_governors_who_then_see_it(school, lead, head, governor):
    from incidents.access.visibility import cases_visible_to

    case, _ = factories.decided_case(school=school, lead=lead, head=head)
    assert not cases_visible_to(governor).filter(pk=case.pk).exists()
    complaint = complaints.complaint_record(case=case, by=lead, received_on=TODAY,
                                            summary="Says the warning is unfair.")
    with pytest.raises(PermissionDenied):
        complaints.complaint_refer(complaint=complaint, by=lead, governors=[governor], on=TODAY)
    complaints.complaint_refer(complaint=complaint, by=head, governors=[governor], on=TODAY)
    assert cases_visible_to(governor).filter(pk=case.pk).exists()
    # The panel records its own outcome: not the lead, nor the Head Teacher whose decision is contested.
    for worker in (lead, head):
        with pytest.raises(PermissionDenied):
            complaints.complaint_outcome_record(complaint=complaint, by=worker, outcome="upheld", reasons="r",
                                                on=TODAY)
    complaints.complaint_outcome_record(complaint=complaint, by=governor, outcome="not_upheld",
                                        reasons="The warning was proportionate.", on=TODAY)
    assert "Governors' panel: Complaint not upheld" in case.events.values_list("summary", flat=True)


def test_bans_due_for_review_are_listed_for_the_head_only(ban, lead, head, office):
    from incidents.decisions.selectors import bans_due_for_review

    _provisional(ban, lead, starts_on=TODAY - datetime.timedelta(days=30))
    review_on = TODAY + datetime.timedelta(days=14)
    sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head,
                                  details={"ends_on": TODAY + datetime.timedelta(days=90), "review_on": review_on})
    assert bans_due_for_review(head, on=TODAY) == []
    assert bans_due_for_review(head, on=review_on) == [ban]
    assert bans_due_for_review(office, on=review_on) == []
