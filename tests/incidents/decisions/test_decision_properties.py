"""Random sequences of actions by random roles never leave the tables of allowed moves."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from incidents.cases import services as case_services
from incidents.decisions import ban as ban_process
from incidents.decisions import sanctions as sanction_services
from incidents.decisions import selectors as decision_selectors
from incidents.decisions import services as decision_services
from incidents.models import Case, CaseEvent, Decision, Sanction, SanctionStep
from incidents.roles import Role
from policies.models import ResponseType
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ROLES = [None, *Role]
# The Head Teacher and the lead act most often, so sequences get deep into the process.
ACTORS = [None, *Role, Role.HEAD, Role.HEAD, Role.HEAD, Role.LEAD, Role.LEAD]
CODES = [c for c in ResponseType.Code if c not in (ResponseType.Code.NO_FURTHER_ACTION, ResponseType.Code.BAN_LIFTED)]
# Every state may be asked for; the ban's review states more often, as they carry the rules.
STATES = [*Sanction.State.values, *[Sanction.State.CONFIRMED, Sanction.State.VARIED, Sanction.State.LIFTED] * 3]
ACTIONS = ["recommend", "decide", "correct", "step", "step", "review", "review", "represent", "status"]
REVIEW_OUTCOMES = [Sanction.State.CONFIRMED, Sanction.State.VARIED, Sanction.State.LIFTED, Sanction.State.CONFIRMED]

action = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from(ACTORS),
    st.lists(st.sampled_from(CODES), max_size=2, unique=True),  # [] means no further action
    st.sampled_from(STATES),
    st.sampled_from(Case.Status.values),
    st.integers(min_value=0, max_value=30),  # days ago the ban starts / a step happened
    st.integers(min_value=0, max_value=3),  # which sanction
)


def _everything(days_ago: int) -> dict:
    """Every detail any step might want, so the tables and rules decide, not missing input."""
    return {
        "meeting_on": TODAY, "attendees": "Head, parent", "notes": "n", "organisation": "Police",
        "outcome": "o", "adviser": "LA", "group": "Year 4", "result": "removed", "reasons": "r",
        "conditions": "side gate", "starts_on": TODAY - datetime.timedelta(days=days_ago),
        "ends_on": TODAY + datetime.timedelta(days=90), "review_on": TODAY + datetime.timedelta(days=30),
    }


def _act(case, users, ladder, name, role, codes, to_state, to_status, days_ago, which):
    by = users[role]
    sanctions = list(case.sanctions.order_by("id"))
    if name == "recommend":
        responses = [ladder[c] for c in codes] or [ladder[ResponseType.Code.WARNING]]
        decision_services.recommendation_submit(case=case, by=by, responses=responses, clauses=[], facts_found="f",
                                                reasons="r")
    elif name in ("decide", "correct"):
        current = case.decisions.filter(superseded_by__isnull=True).first() if name == "correct" else None
        decision_services.decision_record(case=case, by=by, reasons="r", responses=[ladder[c] for c in codes],
                                          no_further_action=not codes, justification="j", supersedes=current)
    elif name == "step" and sanctions:
        sanction_services.sanction_transition(sanction=sanctions[which % len(sanctions)], to=to_state, by=by,
                                              details=_everything(days_ago))
    elif name == "review" and sanctions:  # the ban's review, asked for by anyone at any time
        ban = next((s for s in sanctions if s.kind == Sanction.Kind.BAN), sanctions[0])
        sanction_services.sanction_transition(sanction=ban, to=REVIEW_OUTCOMES[which], by=by,
                                              details=_everything(days_ago))
    elif name == "represent" and sanctions:
        ban_process.representation_record(sanction=sanctions[which % len(sanctions)], by=by, received_on=TODAY,
                                          text="I apologise.")
    elif name == "status":
        case_services.case_transition(case=case, to=to_status, by=by, reason="r")


def _start_at(start, case, users, ladder):
    """Begin some sequences part-way through the process (built with the services, as users would)."""
    head, lead, code = users[Role.HEAD], users[Role.LEAD], ResponseType.Code
    if start == "investigating":
        return
    decision_services.recommendation_submit(case=case, by=lead, responses=[ladder[code.WARNING]], clauses=[],
                                            facts_found="f", reasons="r")
    if start == "awaiting":
        return
    codes = [code.PROVISIONAL_BAN] + ([code.MEETING, code.LEGAL_ADVICE] if start == "several" else [])
    decision_services.decision_record(case=case, by=head, responses=[ladder[c] for c in codes], reasons="r",
                                      justification="j")
    ban = case.sanctions.get(kind=Sanction.Kind.BAN)
    days_ago = 30 if start == "ban_started_long_ago" else 0
    sanction_services.sanction_transition(sanction=ban, to=Sanction.State.PROVISIONAL, by=lead,
                                          details=_everything(days_ago))


def _check_invariants(case):
    for line in case.events.filter(kind=CaseEvent.Kind.STATUS):
        move = (line.data["from"], line.data["to"])
        assert move[1] in case_services.ALLOWED_MOVES[move[0]], move
        if move in case_services.HEAD_ONLY_MOVES:
            assert line.actor.has_role(Role.HEAD)
    for decision in Decision.objects.filter(case=case):
        assert decision.decided_by.has_role(Role.HEAD)
    decided = case.events.filter(kind=CaseEvent.Kind.DECISION)
    assert decided.exclude(actor__memberships__roles__name=Role.HEAD.value).count() == 0
    for step in SanctionStep.objects.filter(sanction__case=case).select_related("sanction"):
        assert step.to_state in sanction_services.SANCTION_MOVES[step.sanction.kind][step.from_state]
        if step.from_state == Sanction.State.PROVISIONAL and step.to_state in (Sanction.State.CONFIRMED,
                                                                               Sanction.State.VARIED):
            # Confirmed straight from provisional: only once the deadline had passed.
            assert timezone.localdate(step.recorded_at) > step.sanction.representations_due
    for sanction in case.sanctions.all():
        if sanction.state in (Sanction.State.CONFIRMED, Sanction.State.VARIED):
            assert sanction.review_on is not None
    if case.status == Case.Status.CLOSED:
        assert not decision_selectors.case_has_active_sanctions(case)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(start=st.sampled_from(["investigating", "awaiting", "ban", "ban_started_long_ago", "several"]),
       actions=st.lists(action, min_size=1, max_size=15))
def test_no_sequence_of_actions_breaks_the_rules(start, actions):
    with transaction.atomic():
        school = factories.SchoolFactory()
        ladder = factories.ladder_for(school)
        users = {role: factories.UserFactory(username=f"p-{role or 'none'}", role=role) for role in ROLES}
        case = case_services.case_open(school=school, by=users[Role.LEAD], title="T", incident_date=TODAY,
                                       parents=[factories.ParentFactory(school=school)], lead=users[Role.LEAD])
        case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=users[Role.LEAD])
        _start_at(start, case, users, ladder)
        for name, role, codes, to_state, to_status, days_ago, which in actions:
            try:
                with transaction.atomic():
                    _act(case, users, ladder, name, role, codes, to_state, to_status, days_ago, which)
            except (PermissionDenied, ValidationError):
                pass
            case.refresh_from_db()
            _check_invariants(case)
        event(f"case ended {case.status}")
        for state in set(SanctionStep.objects.filter(sanction__case=case).values_list("to_state", flat=True)):
            event(f"a sanction reached {state}")
        transaction.set_rollback(True)
