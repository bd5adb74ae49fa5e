"""The investigating lead's recommendation and the Head Teacher's decision.

Only the Head Teacher decides. A decision orders one or more responses from the school's ladder;
each becomes a sanction with its own lifecycle (sanctions.py). A later decision may supersede an
earlier one: both stay on the record, and the earlier one's unfinished sanctions are withdrawn."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents.access.permissions import require_head
from incidents.cases.services import case_transition
from incidents.cases.timeline import case_event_record
from incidents.decisions.sanctions import case_response_refresh, sanction_transition
from incidents.decisions.selectors import SANCTION_FINISHED, decision_justification_needed
from incidents.models import (
    Case,
    CaseEvent,
    Decision,
    Recommendation,
    Sanction,
    User,
)
from incidents.roles import Role
from incidents.transitions import IllegalTransition
from policies.models import Clause, ResponseType

Kind = Sanction.Kind
State = Sanction.State
Status = Case.Status


def _names(items: Iterable) -> str:
    return ", ".join(str(item) for item in items)


@transaction.atomic
def recommendation_submit(
    *,
    case: Case,
    by: User,
    responses: Iterable[ResponseType],
    clauses: Iterable[Clause],
    facts_found: str,
    reasons: str,
) -> Recommendation:
    """Record the lead's recommendation and submit the case for the Head Teacher's decision.

    Writes: Recommendation, a recommendation event, the case status investigating → awaiting
    decision (case_transition). The Head Teacher sees it in the cases awaiting decision; no e-mail
    is sent yet (notifications are a later issue). Investigating leads and the Head may call.
    """
    if not (by.has_role(Role.LEAD) or by.has_role(Role.HEAD)):
        raise PermissionDenied("Only an investigating lead or the Head Teacher can recommend a response.")
    responses, clauses = list(responses), list(clauses)
    if not responses:
        raise ValidationError("Recommend at least one response from the ladder.")
    if any(r.school_id != case.school_id for r in responses):
        raise ValidationError("Responses must come from the school's own ladder.")
    if case.policy_version_id and any(c.version_id != case.policy_version_id for c in clauses):
        raise ValidationError("Clauses must come from the policy in force when the incident happened.")
    if not facts_found.strip() or not reasons.strip():
        raise ValidationError("Record the facts found and the reasons.")
    if case.status != Status.INVESTIGATING:
        raise IllegalTransition("Only a case under investigation can be submitted for a decision.")
    recommendation = Recommendation.objects.create(
        case=case, facts_found=facts_found.strip(), reasons=reasons.strip(), recommended_by=by
    )
    recommendation.responses.set(responses)
    recommendation.clauses.set(clauses)
    case_event_record(
        case=case, kind=CaseEvent.Kind.RECOMMENDATION, actor=by,
        summary=f"Recommended: {_names(responses)}. Submitted to the Head Teacher for a decision.",
        data={"recommendation": recommendation.pk, "responses": [r.code for r in responses]},
    )
    case_transition(case=case, to=Status.AWAITING_DECISION, by=by, step="recommendation")
    return recommendation


# Which lifecycle each rung of the ladder follows. "No further action" and "ban lifted" are
# outcomes, not responses to carry out, so they make no sanction.
KIND_OF_RESPONSE: dict[str, str] = {
    ResponseType.Code.WARNING: Kind.WARNING,
    ResponseType.Code.MEETING: Kind.MEETING,
    ResponseType.Code.AUTHORITIES: Kind.REFERRAL,
    ResponseType.Code.LEGAL_ADVICE: Kind.LEGAL,
    ResponseType.Code.MODERATOR_REQUEST: Kind.MODERATORS,
    ResponseType.Code.PROVISIONAL_BAN: Kind.BAN,
    ResponseType.Code.CONFIRMED_BAN: Kind.BAN,
}


@transaction.atomic
def decision_record(
    *,
    case: Case,
    by: User,
    reasons: str,
    responses: Iterable[ResponseType] = (),
    no_further_action: bool = False,
    seriousness: str = "",
    repetition: str = "",
    effect: str = "",
    parent_response: str = "",
    earlier_cases: str = "",
    justification: str = "",
    supersedes: Decision | None = None,
) -> Decision:
    """Record the Head Teacher's decision. Head Teacher only: anyone else gets PermissionDenied.

    A first decision moves the case awaiting decision → decided (case_transition). A correction
    (`supersedes`) keeps the earlier decision on the record and withdraws its unfinished sanctions.
    Writes: Decision, one Sanction per chosen response, a decision event, status events, the case's
    response in force (sanctions.case_response_refresh).
    """
    require_head(by, "record a decision")
    responses = [r for r in responses if r.code != ResponseType.Code.NO_FURTHER_ACTION]
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError("Give the reasons for the decision, in your own words.")
    if no_further_action == bool(responses):
        raise ValidationError("Choose no further action, or one or more responses from the ladder (not both).")
    unknown = [r for r in responses if r.school_id != case.school_id or r.code not in KIND_OF_RESPONSE]
    if unknown:
        raise ValidationError(f"Not a response that can be ordered: {_names(unknown)}.")
    if decision_justification_needed(case=case, responses=responses) and not justification.strip():
        raise ValidationError("This response is well above what the school usually does for a first case "
                              "of this kind: explain why it is proportionate.")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if supersedes is None:
        if locked.decisions.exists():
            raise ValidationError("This case already has a decision: record a correction that supersedes it.")
        if locked.status != Status.AWAITING_DECISION:
            raise IllegalTransition("Only a case awaiting decision can be decided.")
    else:
        if supersedes.case_id != case.pk or not supersedes.is_current:
            raise ValidationError("Only the current decision on this case can be superseded.")
        if locked.status not in (Status.DECIDED, Status.SANCTION_IN_FORCE):
            raise IllegalTransition("A decision can be corrected only while the case is decided or a sanction "
                                    "is in force.")
    decision = Decision.objects.create(
        case=case, no_further_action=no_further_action, reasons=reasons, seriousness=seriousness,
        repetition=repetition, effect=effect, parent_response=parent_response, earlier_cases=earlier_cases,
        justification=justification.strip(), supersedes=supersedes, decided_by=by,
    )
    decision.responses.set(responses)
    if supersedes is not None:
        for sanction in supersedes.sanctions.exclude(state__in=SANCTION_FINISHED):
            sanction_transition(sanction=sanction, to=State.WITHDRAWN, by=by,
                                details={"reason": "Decision corrected"})
    for response in responses:
        sanction = Sanction.objects.create(
            case=case, decision=decision, response_type=response, kind=KIND_OF_RESPONSE[response.code]
        )
        case_event_record(case=case, kind=CaseEvent.Kind.SANCTION, actor=by,
                          summary=f"{response.name}: to do", data={"sanction": sanction.pk, "state": State.PENDING})
    case_response_refresh(case_ids=[case.pk])
    outcome = "No further action" if no_further_action else _names(responses)
    case_event_record(
        case=case, kind=CaseEvent.Kind.DECISION, actor=by,
        summary=("Decision corrected (supersedes the decision of "
                 f"{supersedes.decided_at:%d %b %Y}): " if supersedes else "Decision: ") + outcome,
        data={"decision": decision.pk, "supersedes": supersedes.pk if supersedes else None,
              "letter_needed": decision.letter_purpose},
    )
    if supersedes is None:
        case_transition(case=case, to=Status.DECIDED, by=by, step="decision")
    return decision
