import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.cases import services as case_services
from incidents.decisions import sanctions
from incidents.decisions import selectors as decision_selectors
from incidents.decisions import services as decision_services
from incidents.models import Case, CaseEvent, Decision, DecisionImmutable, Sanction
from incidents.transitions import IllegalTransition
from policies.models import ResponseType
from tests import factories

pytestmark = pytest.mark.django_db
Code = ResponseType.Code


def test_recommendation_submits_the_case_to_the_head(school, lead):
    case = factories.case_awaiting_decision(school=school, lead=lead)
    assert case.status == Case.Status.AWAITING_DECISION
    summaries = list(case.events.values_list("summary", flat=True))
    assert any("Recommended: Cautionary notice. Submitted to the Head Teacher" in s for s in summaries)
    assert decision_selectors.latest_recommendation(case).recommended_by == lead


def test_recommendation_refused_to_office_staff(school, lead, office):
    ladder = factories.ladder_for(school)
    case = case_services.case_open(school=school, by=lead, title="T", incident_date=datetime.date.today())
    case_services.case_transition(case=case, to="investigating", by=lead)
    with pytest.raises(PermissionDenied):
        decision_services.recommendation_submit(case=case, by=office, responses=[ladder[Code.WARNING]], clauses=[],
                                                facts_found="f", reasons="r")


@pytest.mark.parametrize("role", ["office", "lead", "dsl", "governor", "admin", "outsider"])
def test_decision_refused_to_everyone_but_the_head(school, cast, role):
    case = factories.case_awaiting_decision(school=school, lead=cast["lead"])
    ladder = factories.ladder_for(school)
    with pytest.raises(PermissionDenied):
        decision_services.decision_record(case=case, by=cast[role], responses=[ladder[Code.WARNING]], reasons="r")
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_DECISION and not case.decisions.exists()


def test_decision_by_head_moves_case_and_creates_one_sanction_per_response(school, lead, head):
    case, decision = factories.decided_case(school=school, lead=lead, head=head,
                                            codes=[Code.WARNING, Code.MEETING])
    assert case.status == Case.Status.DECIDED
    assert sorted(case.sanctions.values_list("kind", flat=True)) == ["meeting", "warning"]
    assert all(s.state == Sanction.State.PENDING for s in case.sanctions.all())
    assert case.events.filter(kind=CaseEvent.Kind.DECISION, actor=head).exists()


def test_decision_needs_reasons_and_a_choice(school, lead, head):
    case = factories.case_awaiting_decision(school=school, lead=lead)
    ladder = factories.ladder_for(school)
    with pytest.raises(ValidationError, match="reasons"):
        decision_services.decision_record(case=case, by=head, responses=[ladder[Code.WARNING]], reasons="  ")
    with pytest.raises(ValidationError, match="not both"):
        decision_services.decision_record(case=case, by=head, reasons="r")
    with pytest.raises(ValidationError, match="not both"):
        decision_services.decision_record(case=case, by=head, reasons="r", no_further_action=True,
                                          responses=[ladder[Code.WARNING]])


def test_no_further_action_asks_for_the_outcome_letter(school, lead, head):
    case = factories.case_awaiting_decision(school=school, lead=lead)
    decision = decision_services.decision_record(case=case, by=head, no_further_action=True,
                                                 reasons="Apologised at once.")
    assert decision.letter_purpose == "outcome_nfa"
    assert not case.sanctions.exists()
    case_services.case_transition(case=case, to="closed", by=head)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_a_recorded_decision_cannot_be_changed_or_deleted(school, lead, head):
    _, decision = factories.decided_case(school=school, lead=lead, head=head)
    decision.reasons = "Rewritten later"
    with pytest.raises(DecisionImmutable):
        decision.save()
    with pytest.raises(DecisionImmutable):
        decision.delete()
    assert Decision.objects.get(pk=decision.pk).reasons == "The posts named a teacher."


def test_a_correction_supersedes_and_both_stay_on_record(school, lead, head):
    case, first = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.MEETING])
    ladder = factories.ladder_for(school)
    second = decision_services.decision_record(case=case, by=head, responses=[ladder[Code.WARNING]],
                                               reasons="The meeting is not needed: a warning suffices.",
                                               supersedes=first)
    assert [d.pk for d in decision_selectors.case_decisions(case)] == [first.pk, second.pk]
    assert decision_selectors.current_decision(case) == second
    assert first.sanctions.get().state == Sanction.State.WITHDRAWN
    assert second.sanctions.get().state == Sanction.State.PENDING
    with pytest.raises(ValidationError, match="current decision"):
        decision_services.decision_record(case=case, by=head, no_further_action=True, reasons="r", supersedes=first)


def test_a_second_plain_decision_is_refused(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head)
    with pytest.raises(ValidationError, match="supersedes"):
        decision_services.decision_record(case=case, by=head, no_further_action=True, reasons="r")


def test_proportionality_asks_for_justification_far_above_the_usual(school, lead, head):
    ladder = factories.ladder_for(school)
    case = factories.case_awaiting_decision(school=school, lead=lead)
    # No history: the usual response is the warning (level 2); a meeting (3) is one rung above.
    assert decision_selectors.proportionality_for(case).usual_level == 2
    with pytest.raises(ValidationError, match="proportionate"):
        decision_services.decision_record(case=case, by=head, responses=[ladder[Code.PROVISIONAL_BAN]], reasons="r")
    decision = decision_services.decision_record(case=case, by=head, responses=[ladder[Code.MEETING]], reasons="r")
    assert decision.justification == ""


def test_proportionality_counts_earlier_responses_for_the_same_clauses(school, lead, head):
    version = _policy_with_clause(school, lead)
    clause = version.clauses.get()
    ladder = factories.ladder_for(school)
    for _ in range(2):  # two first cases about this clause, both answered with a moderator request
        case = factories.case_awaiting_decision(school=school, lead=lead)
        case.clauses.set([clause])
        decision_services.decision_record(case=case, by=head, responses=[ladder[Code.MODERATOR_REQUEST]], reasons="r")
    repeat = factories.ParentFactory(school=school)
    earlier = factories.case_awaiting_decision(school=school, lead=lead, parent=repeat)
    decision_services.decision_record(case=earlier, by=head, responses=[ladder[Code.WARNING]], reasons="r")
    now = factories.case_awaiting_decision(school=school, lead=lead, parent=repeat)
    now.clauses.set([clause])
    panel = decision_selectors.proportionality_for(now)
    assert panel.response_counts == [("Request to group moderators", 2)]
    assert panel.usual_level == 1 and panel.first_cases_counted == 2
    assert panel.earlier_cases == [(earlier, "Cautionary notice")]
    # A meeting (3) is two rungs above the usual moderator request (1): justify it.
    assert decision_selectors.decision_justification_needed(case=now, responses=[ladder[Code.MEETING]])
    assert not decision_selectors.decision_justification_needed(case=now, responses=[ladder[Code.WARNING]])


def _policy_with_clause(school, user):
    from policies.models import Clause, Policy, PolicyVersion

    policy = Policy.objects.create(school=school, title="Code of conduct")
    version = PolicyVersion.objects.create(policy=policy, number=1, status="adopted",
                                           adopted_on=datetime.date(2025, 9, 1))
    Clause.objects.create(version=version, number="4", kind="expectation", text="Be courteous to staff.")
    return version


def test_simple_sanction_lifecycles_are_recorded_with_who_and_when(school, lead, head):
    case, decision = factories.decided_case(
        school=school, lead=lead, head=head, codes=[Code.WARNING, Code.MEETING, Code.AUTHORITIES,
                                                    Code.MODERATOR_REQUEST], justification="Police involved.")
    by_kind = {s.kind: s for s in case.sanctions.all()}
    step = sanctions.sanction_transition(sanction=by_kind["warning"], to="issued", by=lead)
    assert step.letter_purpose == "warning" and step.by == lead
    case.refresh_from_db()
    assert case.status == Case.Status.SANCTION_IN_FORCE
    sanctions.sanction_transition(sanction=by_kind["meeting"], to="invited", by=lead,
                                  details={"meeting_on": "2026-11-30"})
    with pytest.raises(ValidationError, match="attendees"):
        sanctions.sanction_transition(sanction=by_kind["meeting"], to="held", by=lead, details={"notes": "n"})
    sanctions.sanction_transition(sanction=by_kind["meeting"], to="held", by=lead,
                                  details={"attendees": "Mrs Hart, Mr Dunn", "notes": "Agreed to stop."})
    sanctions.sanction_transition(sanction=by_kind["referral"], to="referred", by=lead,
                                  details={"organisation": "Police", "reference": "PC-123"})
    sanctions.sanction_transition(sanction=by_kind["referral"], to="outcome_recorded", by=lead,
                                  details={"outcome": "Words of advice given"})
    sanctions.sanction_transition(sanction=by_kind["moderators"], to="requested", by=lead,
                                  details={"group": "Year 4 parents"})
    with pytest.raises(IllegalTransition):
        sanctions.sanction_transition(sanction=by_kind["moderators"], to="held", by=lead)
    sanctions.sanction_transition(sanction=by_kind["moderators"], to="result_recorded", by=lead,
                                  details={"result": "Removed from the group"})
    summaries = case.events.values_list("summary", flat=True)
    assert "Referral to the police: Referred (with Police; ref. PC-123)" in summaries
    assert not decision_selectors.case_has_active_sanctions(case)
    case_services.case_transition(case=case, to="closed", by=lead)


def test_case_cannot_close_while_a_sanction_is_active(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.MEETING])
    sanctions.sanction_transition(sanction=case.sanctions.get(), to="invited", by=lead,
                                  details={"meeting_on": "2026-11-30"})
    with pytest.raises(IllegalTransition, match="still active"):
        case_services.case_transition(case=case, to="closed", by=lead)


def test_legal_advice_is_the_heads_and_its_summary_never_reaches_the_timeline(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.LEGAL_ADVICE],
                                     justification="Defamation.")
    sanction = case.sanctions.get()
    with pytest.raises(PermissionDenied):
        sanctions.sanction_transition(sanction=sanction, to="advice_sought", by=lead, details={"adviser": "LA"})
    step = sanctions.sanction_transition(sanction=sanction, to="advice_sought", by=head,
                                         details={"adviser": "LA legal team"},
                                         head_only_note="Advice: the posts are likely defamatory.")
    assert step.head_only_note.startswith("Advice")
    assert not any("defamatory" in s for s in case.events.values_list("summary", flat=True))
    assert not any("defamatory" in str(d) for d in case.events.values_list("data", flat=True))


def test_sanction_history_is_kept(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head)
    sanction = case.sanctions.get()
    sanctions.sanction_transition(sanction=sanction, to="issued", by=lead)
    assert [h.state for h in sanction.history.order_by("history_date")] == ["pending", "issued"]


def test_admin_offers_no_way_to_change_a_decision(client_for, head, school, lead):
    # A Head Teacher who is also a superuser: the one who may read every decision in the admin.
    head.is_staff = head.is_superuser = True
    head.save()
    _, decision = factories.decided_case(school=school, lead=lead, head=head)
    client = client_for(head)
    page = client.get(f"/admin/incidents/decision/{decision.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(f"/admin/incidents/decision/{decision.pk}/change/", {"reasons": "Changed"})
    client.post(f"/admin/incidents/decision/{decision.pk}/delete/", {"post": "yes"})
    assert Decision.objects.get(pk=decision.pk).reasons == "The posts named a teacher."


@pytest.mark.usefixtures("demo_allowed")
def test_seed_demo_has_cases_at_each_step_and_a_ban_under_review(capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    assert "nothing changed" in capsys.readouterr().out
    states = set(Sanction.objects.values_list("state", flat=True))
    assert {"pending", "held", "referred", "advice_sought", "result_recorded", "provisional", "representations",
            "confirmed", "lifted", "withdrawn", "issued"} <= states
    under_review = Sanction.objects.get(state="representations")
    assert under_review.representations.exists() and under_review.case.status == Case.Status.SANCTION_IN_FORCE
    assert Decision.objects.filter(supersedes__isnull=False).count() == 1
    assert Case.objects.filter(status=Case.Status.AWAITING_DECISION, recommendations__isnull=False).exists()
    assert Case.objects.filter(governors__username="governor").exists()


def test_proportionality_reads_the_same_few_queries_however_many_cases_compare(school, lead, head):
    clause = _policy_with_clause(school, lead).clauses.get()
    ladder = factories.ladder_for(school)
    repeat = factories.ParentFactory(school=school)

    def decided_about_the_clause(parent=None):
        case = factories.case_awaiting_decision(school=school, lead=lead, parent=parent)
        case.clauses.set([clause])
        decision_services.decision_record(case=case, by=head, responses=[ladder[Code.MODERATOR_REQUEST]], reasons="r")

    def panel_and_queries():
        now = factories.case_awaiting_decision(school=school, lead=lead, parent=repeat)
        now.clauses.set([clause])
        with CaptureQueriesContext(connection) as queries:
            panel = decision_selectors.proportionality_for(now)
        return panel, len(queries)

    decided_about_the_clause(parent=repeat)
    panel, few = panel_and_queries()
    assert panel.response_counts == [("Request to group moderators", 1)] and len(panel.earlier_cases) == 1

    for _ in range(3):
        decided_about_the_clause()
        decided_about_the_clause(parent=repeat)
    panel, after = panel_and_queries()
    # 7 decided cases about the clause, of which 4 were their parent's first (3 others, and repeat's first).
    assert panel.response_counts == [("Request to group moderators", 7)]
    assert panel.first_cases_counted == 4 and panel.usual_level == 1
    assert len(panel.earlier_cases) == 5  # repeat's 4 decided cases and the one awaiting a decision
    assert after == few
