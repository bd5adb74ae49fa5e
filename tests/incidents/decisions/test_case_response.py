"""The case's response in force (Case.response, Case.response_sanction: what the case list shows and
filters by) is right after every change to its sanctions, made through any service; and a change
that skips the service is caught."""

import datetime
from collections import deque

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.decisions import ban as ban_rules
from incidents.decisions import sanctions
from incidents.decisions import services as decision_services
from incidents.decisions.sanctions import SANCTION_MOVES, case_response_refresh
from incidents.decisions.selectors import BAN_IN_FORCE, cases_with_stale_response
from incidents.models import Case, Sanction
from policies.models import ResponseType
from tests import factories

pytestmark = pytest.mark.django_db
Kind, State, Response = Sanction.Kind, Sanction.State, Case.Response
Code = ResponseType.Code

CODE_OF_KIND = {Kind.WARNING: Code.WARNING, Kind.MEETING: Code.MEETING, Kind.REFERRAL: Code.AUTHORITIES,
                Kind.LEGAL: Code.LEGAL_ADVICE, Kind.MODERATORS: Code.MODERATOR_REQUEST, Kind.BAN: Code.PROVISIONAL_BAN}


def _details(to: str) -> dict:
    """What each step must record (sanctions.STEP_REQUIRES), filled in."""
    today = timezone.localdate()
    return {
        State.INVITED: {"meeting_on": today}, State.HELD: {"attendees": "Mr Dunn", "notes": "Apologised."},
        State.REFERRED: {"organisation": "Police"}, State.OUTCOME_RECORDED: {"outcome": "Words of advice"},
        State.ADVICE_SOUGHT: {"adviser": "Local authority"}, State.REQUESTED: {"group": "Year 4 parents"},
        State.RESULT_RECORDED: {"result": "Post removed"},
        State.PROVISIONAL: {"reasons": "Threats at the gate.", "conditions": "Collected by a grandparent.",
                            "starts_on": today},
        State.CONFIRMED: {"ends_on": today + datetime.timedelta(days=90),
                          "review_on": today + datetime.timedelta(days=30)},
        State.VARIED: {"conditions": "Side gate only.", "ends_on": today + datetime.timedelta(days=60),
                       "review_on": today + datetime.timedelta(days=20)},
        State.LIFTED: {"reasons": "The parent apologised."}, State.WITHDRAWN: {"reason": "Decision corrected"},
    }.get(to, {})


def _path_to(kind: str, state: str) -> list[str]:
    """The shortest run of moves by the table from "to do" to `state`."""
    queue, seen = deque([(State.PENDING, [])]), {State.PENDING}
    while queue:
        at, path = queue.popleft()
        if at == state:
            return path
        for nxt in sorted(SANCTION_MOVES[kind].get(at, set())):
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, [*path, nxt]))
    raise AssertionError(f"{kind} never reaches {state}")


def _move(sanction: Sanction, to: str, head) -> None:
    if to in (State.CONFIRMED, State.VARIED) and sanction.state == State.PROVISIONAL:
        # The representations deadline has passed (a ban is not confirmed before it).
        Sanction.objects.filter(pk=sanction.pk).update(representations_due=timezone.localdate()
                                                       - datetime.timedelta(days=1))
    sanctions.sanction_transition(sanction=sanction, to=to, by=head, details=_details(to))
    sanction.refresh_from_db()


def _expected(sanction: Sanction) -> tuple[str, int | None]:
    """The case's columns when this is its only sanction: by the kind, a ban by whether it is in force."""
    if sanction.state == State.WITHDRAWN:
        return Response.NONE, None
    if sanction.kind == Kind.BAN:
        return (Response.BAN_IN_FORCE if sanction.state in BAN_IN_FORCE else Response.BAN), sanction.pk
    return Response(sanction.kind), sanction.pk


def _stored(case: Case) -> tuple[str, int | None]:
    row = Case.objects.values_list("response", "response_sanction").get(pk=case.pk)
    return row[0], row[1]


MOVES = [(kind, start, to) for kind, table in SANCTION_MOVES.items() for start, targets in table.items()
         for to in sorted(targets)]


@pytest.mark.parametrize(("kind", "start", "to"), MOVES, ids=[f"{k}:{s}->{t}" for k, s, t in MOVES])
def test_every_move_of_every_sanction_keeps_the_response_in_force(school, lead, head, kind, start, to):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[CODE_OF_KIND[kind]],
                                     justification="Serious.")
    sanction = case.sanctions.get()
    assert _stored(case) == _expected(sanction) == (Response.BAN if kind == Kind.BAN else kind, sanction.pk)
    for step in [*_path_to(kind, start), to]:
        _move(sanction, step, head)
        assert sanction.state == step
        assert _stored(case) == _expected(sanction), f"after {step}"
    assert cases_with_stale_response() == []


def test_a_ban_reads_in_force_from_provisional_to_lifted(school, lead, head, client_for):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.PROVISIONAL_BAN])
    ban = case.sanctions.get()
    client = client_for(head)

    def listed(response: str) -> bool:
        return case.reference in client.get(reverse("incidents:case_list"), {"response": response}).content.decode()

    assert _stored(case) == (Response.BAN, ban.pk) and listed("ban") and not listed("ban_in_force")
    _move(ban, State.PROVISIONAL, head)
    assert _stored(case)[0] == Response.BAN_IN_FORCE and listed("ban") and listed("ban_in_force")
    ban_rules.representation_record(sanction=ban, by=head, received_on=timezone.localdate(), text="I am sorry.")
    assert _stored(case)[0] == Response.BAN_IN_FORCE
    ban.refresh_from_db()
    _move(ban, State.CONFIRMED, head)
    assert _stored(case)[0] == Response.BAN_IN_FORCE and listed("ban_in_force")
    _move(ban, State.LIFTED, head)
    assert _stored(case) == (Response.BAN, ban.pk) and listed("ban") and not listed("ban_in_force")
    page = client.get(reverse("incidents:case_list"), {"response": "ban"}).content.decode()
    assert "Site ban: lifted" in page


def test_of_several_responses_the_one_under_way_and_highest_is_in_force(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.WARNING, Code.MEETING])
    warning, meeting = case.sanctions.get(kind=Kind.WARNING), case.sanctions.get(kind=Kind.MEETING)
    assert _stored(case) == (Response.MEETING, meeting.pk)  # both to do: the higher rung
    _move(meeting, State.INVITED, head)
    _move(meeting, State.HELD, head)
    assert _stored(case) == (Response.WARNING, warning.pk)  # the meeting is over, the warning still to do
    _move(warning, State.ISSUED, head)
    assert _stored(case) == (Response.MEETING, meeting.pk)  # both over: the higher rung again


def test_a_corrected_decision_puts_its_own_response_in_force(school, lead, head):
    case, decision = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.WARNING])
    ladder = {r.code: r for r in ResponseType.objects.filter(school=school)}
    decision_services.decision_record(case=case, by=head, reasons="Worse than first thought.", supersedes=decision,
                                      responses=[ladder[Code.PROVISIONAL_BAN]], justification="Threats.")
    ban = case.sanctions.get(kind=Kind.BAN)
    assert case.sanctions.get(kind=Kind.WARNING).state == State.WITHDRAWN
    assert _stored(case) == (Response.BAN, ban.pk)
    decision_services.decision_record(case=case, by=head, reasons="Not the parent's posts.", no_further_action=True,
                                      supersedes=case.decisions.get(superseded_by__isnull=True))
    assert _stored(case) == (Response.NONE, None)


def test_saving_a_case_loaded_before_a_sanction_changed_keeps_the_response(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.PROVISIONAL_BAN])
    stale = Case.objects.get(pk=case.pk)  # a form or the admin holding the case
    _move(case.sanctions.get(), State.PROVISIONAL, head)
    stale.title = "Threats at the gate"
    stale.save()
    assert _stored(case)[0] == Response.BAN_IN_FORCE


def test_a_sanction_changed_without_the_service_is_caught(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.PROVISIONAL_BAN])
    other, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.WARNING])
    assert cases_with_stale_response() == []
    # A code path that moves a ban on but forgets the case's copy of it.
    Sanction.objects.filter(case=case).update(state=State.PROVISIONAL)
    assert cases_with_stale_response() == [case.reference]
    # …or withdraws a response the same way.
    Sanction.objects.filter(case=other).update(state=State.WITHDRAWN)
    assert cases_with_stale_response() == sorted([case.reference, other.reference],
                                                 key=lambda ref: Case.objects.get(reference=ref).pk)
    case_response_refresh(case_ids=[case.pk, other.pk])
    assert cases_with_stale_response() == []
    assert _stored(case)[0] == Response.BAN_IN_FORCE and _stored(other) == (Response.NONE, None)
