import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.cases import timeline
from incidents.models import Case, CaseEvent
from incidents.transitions import IllegalTransition

pytestmark = pytest.mark.django_db


def test_concern_log_opens_a_case_with_a_yearly_reference(log_concern):
    first = log_concern().case
    second = log_concern().case
    year = timezone.localdate().year
    assert first.reference == f"{first.school.code}-{year}-0001"
    assert second.reference == f"{second.school.code}-{year}-0002"
    assert first.status == Case.Status.NEW
    # In time order: the concern was received an hour before the case was opened.
    assert [e.kind for e in first.events.all()] == [CaseEvent.Kind.CONCERN, CaseEvent.Kind.OPENED]


def test_concern_log_can_add_to_an_open_case_of_the_same_parent(log_concern, parent):
    case = log_concern(parents=[parent]).case
    second = log_concern(parents=[parent], link_to=case, description="Another post the next day.")
    assert second.case == case
    assert case.concerns.count() == 2


def test_concern_log_refuses_to_add_to_a_closed_case(log_concern, head):
    case = log_concern().case
    case_services.case_transition(case=case, to="closed", by=head, reason="Logged in error")
    with pytest.raises(ValidationError, match="closed"):
        log_concern(link_to=case)


def test_concern_log_needs_a_parent_concerned(log_concern):
    with pytest.raises(ValidationError, match="at least one parent"):
        log_concern(parents=[])


def test_a_safeguarding_concern_marks_the_case(log_concern):
    assert log_concern(safeguarding=True).case.safeguarding is True


def test_case_keeps_the_policy_version_in_force_on_the_incident_date(school, log_concern):
    from policies.models import Policy, PolicyVersion

    policy = Policy.objects.create(school=school, title="Code of conduct")
    old = PolicyVersion.objects.create(policy=policy, number=1, status="superseded",
                                       adopted_on=datetime.date(2024, 9, 1), superseded_on=datetime.date(2026, 9, 1))
    new = PolicyVersion.objects.create(policy=policy, number=2, status="adopted", adopted_on=datetime.date(2026, 9, 1))
    when_old = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    when_new = timezone.make_aware(datetime.datetime(2026, 10, 2, 10, 0))
    assert log_concern(received_at=when_old).case.policy_version == old
    assert log_concern(received_at=when_new).case.policy_version == new


@pytest.mark.parametrize("path", [
    ["investigating", "awaiting_decision", "decided", "sanction_in_force", "closed"],
    ["investigating", "awaiting_decision", "investigating", "awaiting_decision", "decided", "closed"],
])
def test_case_transition_follows_the_table(case, lead, head, path):
    for target in path:
        by = head if target == "decided" else lead
        reason = "Done" if target in {"closed", "investigating"} else ""
        step = case_services.MOVES_MADE_BY_STEP.get((case.status, target), "")
        case_services.case_transition(case=case, to=target, by=by, reason=reason, step=step)
        assert case.status == target
    assert case.events.filter(kind=CaseEvent.Kind.STATUS).count() == len(path)


@pytest.mark.parametrize("start,target,made_by", [
    ("investigating", "awaiting_decision", "submitting a recommendation"),
    ("awaiting_decision", "decided", "recording a decision"),
    ("decided", "sanction_in_force", "a sanction taking effect"),
])
def test_moves_made_by_a_step_are_refused_from_the_status_buttons(case, head, start, target, made_by):
    Case.objects.filter(pk=case.pk).update(status=start)
    case.refresh_from_db()
    with pytest.raises(IllegalTransition, match=made_by):
        case_services.case_transition(case=case, to=target, by=head, reason="because")
    case.refresh_from_db()
    assert case.status == start


def test_an_illegal_move_is_refused_with_a_message(case, lead):
    with pytest.raises(IllegalTransition, match="cannot move to"):
        case_services.case_transition(case=case, to="sanction_in_force", by=lead)
    case.refresh_from_db()
    assert case.status == "new"


def test_only_the_head_teacher_moves_a_case_to_decided(case, lead):
    case_services.case_transition(case=case, to="investigating", by=lead)
    case_services.case_transition(case=case, to="awaiting_decision", by=lead, step="recommendation")
    with pytest.raises(PermissionDenied):
        case_services.case_transition(case=case, to="decided", by=lead, step="decision")


def test_reopening_needs_a_reason_and_is_on_the_timeline(case, head):
    case_services.case_transition(case=case, to="closed", by=head, reason="No case to answer")
    with pytest.raises(IllegalTransition, match="Give a reason"):
        case_services.case_transition(case=case, to="investigating", by=head)
    case_services.case_transition(case=case, to="investigating", by=head, reason="New screenshots received")
    assert case.closed_at is None
    assert "Reopened" in case.events.last().summary
    assert "New screenshots received" in case.events.last().summary


def test_case_update_refuses_a_stale_version_and_says_what_changed(case, lead, head):
    opened_at_version = case.version
    case_services.case_update(case=case, by=head, expected_version=opened_at_version, severity="high")
    with pytest.raises(case_services.CaseChanged) as conflict:
        case_services.case_update(case=case, by=lead, expected_version=opened_at_version, title="Lead's new title")
    change = conflict.value.changes[0]
    assert change["field"] == "Severity"
    assert (change["old"], change["new"]) == ("Medium", "High")
    case.refresh_from_db()
    assert case.title != "Lead's new title" and case.severity == "high"


def test_timeline_events_are_chained_by_hashes(case, lead):
    case_services.case_transition(case=case, to="investigating", by=lead)
    events = list(case.events.order_by("id"))
    assert events[0].prev_hash == ""
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
    assert all(timeline.case_event_verify(e) for e in events)
    tampered = events[1]
    tampered.summary = "Something else"
    assert not timeline.case_event_verify(tampered)


def test_restricting_is_for_the_head_teacher_only(case, lead, head):
    with pytest.raises(PermissionDenied):
        case_services.case_set_restricted(case=case, by=lead, restricted=True, reason="x")
    case_services.case_set_restricted(case=case, by=head, restricted=True, reason="Staff allegation")
    assert case.restricted
