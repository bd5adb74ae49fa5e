"""The workflow of a case: every write goes through a function here.

Views, admin actions, management commands and tasks call these; none of them sets a case's status
or writes a timeline event itself. Each function is keyword-only, runs in a transaction, and says
in its docstring what it writes and who may call it (the caller checks permissions; the functions
check the rules of the workflow).
"""

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from incidents import uploads
from incidents.models import (
    Case,
    CaseAccess,
    CaseEvent,
    Concern,
    Contact,
    Evidence,
    Parent,
    ParentGroup,
    ReferenceCounter,
    Statement,
    Submission,
    User,
)
from incidents.roles import Role
from policies.models import PolicyVersion, School

Status = Case.Status

# The only moves a case's status may make. Everything else is refused.
ALLOWED_MOVES: dict[str, set[str]] = {
    Status.NEW: {Status.INVESTIGATING, Status.CLOSED},
    Status.INVESTIGATING: {Status.AWAITING_DECISION, Status.CLOSED},
    Status.AWAITING_DECISION: {Status.DECIDED, Status.INVESTIGATING},
    Status.DECIDED: {Status.SANCTION_IN_FORCE, Status.CLOSED},
    Status.SANCTION_IN_FORCE: {Status.CLOSED},
    Status.CLOSED: {Status.INVESTIGATING},  # reopening, with a reason
}
# Moves that need a written reason on the record.
MOVES_NEEDING_REASON = {(Status.CLOSED, Status.INVESTIGATING), (Status.NEW, Status.CLOSED),
                        (Status.INVESTIGATING, Status.CLOSED), (Status.AWAITING_DECISION, Status.INVESTIGATING)}
# Moves only the Head Teacher's decision makes (through the decision services).
HEAD_ONLY_MOVES = {(Status.AWAITING_DECISION, Status.DECIDED)}


class IllegalTransition(ValidationError):
    pass


class CaseChanged(Exception):
    """Someone else saved the case after this form was opened."""

    def __init__(self, case: Case, changes: list[dict]):
        self.case = case
        self.changes = changes
        super().__init__(f"{case.reference} was changed by someone else")


# --- the timeline -------------------------------------------------------------------------------

def _event_digest(event: CaseEvent) -> str:
    payload = json.dumps(
        {
            "case": event.case.reference,
            "at": event.at.isoformat(),
            "actor": event.actor_id,
            "kind": event.kind,
            "summary": event.summary,
            "data": event.data,
            "prev": event.prev_hash,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def case_event_record(
    *,
    case: Case,
    kind: str,
    summary: str,
    actor: User | None = None,
    data: dict | None = None,
    at: datetime.datetime | None = None,
) -> CaseEvent:
    """Add one line to the case's timeline, chained to the line before it by its hash.

    Writes: one CaseEvent. Called by the other services here (and later ones), never by views.
    The case row is locked so two events cannot both claim the same predecessor.
    """
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
    last = CaseEvent.objects.filter(case=case).order_by("-id").values_list("hash", flat=True).first()
    event = CaseEvent(
        case=case, kind=kind, summary=summary[:300], actor=actor, data=data or {},
        at=at or timezone.now(), prev_hash=last or "",
    )
    event.hash = _event_digest(event)
    event.save()
    return event


def case_event_verify(event: CaseEvent) -> bool:
    return event.hash == _event_digest(event)


# --- opening cases and logging concerns ---------------------------------------------------------

def case_reference_next(*, school: School, year: int) -> str:
    """Next reference of the year: CB-2026-0042. Writes: the year's ReferenceCounter (locked)."""
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(school=school, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"CB-{year}-{counter.last:04d}"


def policy_version_in_force(*, school: School, on: datetime.date) -> PolicyVersion | None:
    """The policy version adopted on or before `on` and not yet superseded then."""
    return (
        PolicyVersion.objects.filter(policy__school=school, adopted_on__lte=on)
        .exclude(status=PolicyVersion.Status.DRAFT)
        .exclude(superseded_on__lte=on)
        .order_by("-adopted_on", "-number")
        .first()
    )


@transaction.atomic
def case_open(
    *,
    school: School,
    by: User,
    title: str,
    incident_date: datetime.date,
    parents: Iterable[Parent] = (),
    summary: str = "",
    safeguarding: bool = False,
    lead: User | None = None,
) -> Case:
    """Open a case. Writes: Case (status new, policy version in force on the incident date), event.

    Called by concern_log and by leads or the Head opening a case directly.
    """
    case = Case.objects.create(
        school=school,
        reference=case_reference_next(school=school, year=incident_date.year),
        title=title[:200],
        summary=summary,
        incident_date=incident_date,
        policy_version=policy_version_in_force(school=school, on=incident_date),
        safeguarding=safeguarding,
        lead=lead,
        created_by=by,
    )
    case.parents.set(parents)
    case_event_record(case=case, kind=CaseEvent.Kind.OPENED, summary=f"Case {case.reference} opened", actor=by)
    return case


def _concern_title(parents: list[Parent], group: ParentGroup | None, channel_label: str) -> str:
    who = ", ".join(p.full_name for p in parents[:3]) or "unnamed parent"
    where = f" in {group.name}" if group else f" ({channel_label.lower()})"
    return f"Conduct of {who}{where}"


@transaction.atomic
def concern_log(
    *,
    school: School,
    by: User,
    received_at: datetime.datetime,
    channel: str,
    description: str,
    parents: Iterable[Parent],
    raised_by_name: str = "",
    raised_by_contact: str = "",
    raised_anonymously: bool = False,
    group: ParentGroup | None = None,
    safeguarding: bool = False,
    link_to: Case | None = None,
) -> Concern:
    """Log a concern in confidence, and open a case for it or add it to an open case.

    Writes: Concern; a new Case (see case_open) unless `link_to` is given; events on the case.
    A safeguarding flag marks the case as safeguarding. Office staff, leads and the Head may call.
    """
    parents = list(parents)
    if not parents:
        raise ValidationError("Name at least one parent or carer the concern is about.")
    if raised_anonymously and not raised_by_name:
        raise ValidationError("Record who raised it, even when they asked to remain anonymous.")
    if link_to is not None and link_to.status == Status.CLOSED:
        raise ValidationError(f"{link_to.reference} is closed: reopen it first, or open a new case.")
    channel_label = Concern.Channel(channel).label
    case = link_to or case_open(
        school=school, by=by, incident_date=timezone.localdate(received_at),
        title=_concern_title(parents, group, channel_label), parents=parents, safeguarding=safeguarding,
    )
    concern = Concern.objects.create(
        school=school, case=case, received_at=received_at, channel=channel, description=description,
        raised_by_name=raised_by_name, raised_by_contact=raised_by_contact,
        raised_anonymously=raised_anonymously, group=group, safeguarding=safeguarding, logged_by=by,
    )
    concern.parents.set(parents)
    if link_to is not None:
        case.parents.add(*parents)
        if safeguarding and not case.safeguarding:
            Case.objects.filter(pk=case.pk).update(safeguarding=True, version=F("version") + 1)
    case_event_record(
        case=case, kind=CaseEvent.Kind.CONCERN, actor=by, at=received_at,
        summary=f"Concern received ({channel_label})" + (" (safeguarding)" if safeguarding else ""),
        data={"concern": concern.pk, "safeguarding": safeguarding},
    )
    return concern


# --- status ----------------------------------------------------------------------------------------

def case_transition(*, case: Case, to: str, by: User, reason: str = "") -> Case:
    """Move a case to another status, if the table of allowed moves permits it.

    Writes: Case.status (and closed_at), a status event with the reason. Raises IllegalTransition
    for a move the table does not allow or that lacks a required reason; PermissionDenied when a
    move that only the Head Teacher's decision makes is attempted by anyone else.
    """
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        current = Status(locked.status)
        target = Status(to)
        if target not in ALLOWED_MOVES[current]:
            raise IllegalTransition(f"A case that is “{current.label}” cannot move to “{target.label}”.")
        if target == Status.CLOSED and case_has_active_sanctions(locked):
            raise IllegalTransition("A sanction on this case is still active: finish or lift it first.")
        if (current, target) in HEAD_ONLY_MOVES and not by.has_role(Role.HEAD):
            raise PermissionDenied("Only the Head Teacher can record a decision.")
        reason = reason.strip()
        if (current, target) in MOVES_NEEDING_REASON and not reason:
            raise IllegalTransition(f"Give a reason for moving the case from “{current.label}” to “{target.label}”.")
        locked.status = target
        locked.closed_at = timezone.now() if target == Status.CLOSED else None
        locked.version += 1
        locked.save(update_fields=["status", "closed_at", "version", "updated_at"])
        verb = "Reopened" if current == Status.CLOSED else "Status"
        case_event_record(
            case=locked, kind=CaseEvent.Kind.STATUS, actor=by,
            summary=f"{verb}: {current.label} → {target.label}" + (f". Reason: {reason}" if reason else ""),
            data={"from": current.value, "to": target.value, "reason": reason},
        )
    case.refresh_from_db()
    return case


# --- editing a case, safely when two people edit at once -----------------------------------------

EDITABLE_FIELDS = ("title", "summary", "severity", "lead", "incident_date", "safeguarding")
EDITABLE_M2M = ("clauses", "assignees")


def case_changes_since(*, case: Case, version: int) -> list[dict]:
    """What changed on the case since the given version: field, old, new, who, when."""
    newest_first = case.history.order_by("-history_date", "-history_id")
    old = newest_first.filter(version=version).first()
    new = newest_first.first()
    if old is None or new is None or old.pk == new.pk:
        return []
    delta = new.diff_against(old, excluded_fields=["version", "updated_at"])
    who = new.history_user.display_name if new.history_user else "someone"
    changes = []
    for change in delta.changes:
        field = Case._meta.get_field(change.field)
        changes.append({
            "field": str(field.verbose_name).capitalize(),
            "old": _display(field, change.old),
            "new": _display(field, change.new),
            "by": who,
            "at": new.history_date,
        })
    return changes


def _display(field, value) -> str:
    if isinstance(value, list):  # m2m: list of through-row dicts
        return f"{len(value)} selected"
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value) or "—"
    if field.is_relation and value:
        return str(field.related_model.objects.filter(pk=value).first() or value)
    return "—" if value in (None, "") else str(value)


@transaction.atomic
def case_update(*, case: Case, by: User, expected_version: int, **changes) -> Case:
    """Save edits to a case, refusing to overwrite someone else's newer save.

    Writes: Case fields and M2M (clauses must belong to the case's policy version), version + 1,
    an "updated" event naming the fields. Raises CaseChanged (with what changed) when the case's
    version is no longer `expected_version`. Leads, the Head and assigned staff may call.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(EDITABLE_M2M)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.version != expected_version:
        raise CaseChanged(locked, case_changes_since(case=locked, version=expected_version))
    clauses = changes.get("clauses")
    if clauses is not None and locked.policy_version_id:
        stray = [c for c in clauses if c.version_id != locked.policy_version_id]
        if stray:
            raise ValidationError("Clauses must come from the policy in force when the incident happened.")
    changed = []
    for name in EDITABLE_FIELDS:
        if name in changes and getattr(locked, name) != changes[name]:
            setattr(locked, name, changes[name])
            changed.append(name)
    for name in EDITABLE_M2M:
        if name in changes:
            before = set(getattr(locked, name).values_list("pk", flat=True))
            after = {obj.pk for obj in changes[name]}
            if before != after:
                getattr(locked, name).set(changes[name])
                changed.append(name)
    if not changed:
        return locked
    locked.version += 1
    locked.save()
    labels = [str(Case._meta.get_field(name).verbose_name) for name in changed]
    case_event_record(
        case=locked, kind=CaseEvent.Kind.UPDATED, actor=by,
        summary="Updated: " + ", ".join(labels), data={"fields": changed},
    )
    return locked


@transaction.atomic
def case_set_restricted(*, case: Case, by: User, restricted: bool, reason: str) -> Case:
    """Restrict a case to the Head Teacher and those assigned, or lift that. Head Teacher only.

    Writes: Case.restricted, version + 1, an event with the reason.
    """
    if not by.has_role(Role.HEAD):
        raise PermissionDenied("Only the Head Teacher can restrict a case.")
    if not reason.strip():
        raise ValidationError("Give a reason.")
    Case.objects.filter(pk=case.pk).update(restricted=restricted, version=F("version") + 1)
    case.refresh_from_db()
    case_event_record(
        case=case, kind=CaseEvent.Kind.UPDATED, actor=by,
        summary=("Restricted" if restricted else "Restriction lifted") + f". Reason: {reason.strip()}",
        data={"restricted": restricted},
    )
    return case


def case_access_record(*, case: Case, user: User) -> None:
    """Log that a user opened a restricted case. Writes: CaseAccess (restricted cases only)."""
    if case.restricted:
        CaseAccess.objects.create(case=case, user=user)


# --- information gathered -------------------------------------------------------------------------

@transaction.atomic
def evidence_add(
    *,
    case: Case,
    by: User,
    data: bytes,
    file_name: str,
    provided_by: str,
    provided_at: datetime.datetime,
    obtained: str = Evidence.Obtained.OTHER,
    description: str = "",
) -> Evidence:
    """Keep a file as evidence, exactly as received, with its SHA-256.

    Checks the name, the size against the school's limit, and the type by content (see
    incidents.uploads). Writes: the file to private storage, Evidence, an event. Raises
    ValidationError with a plain message and keeps nothing when a check fails.
    """
    display_name = uploads.check_file_name(file_name)
    limit = case.school.evidence_max_mb * 1024 * 1024
    if len(data) > limit:
        raise ValidationError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {case.school.evidence_max_mb} MB."
        )
    kind = uploads.identify(data)
    digest = uploads.sha256_of(data)
    evidence = Evidence(
        case=case, original_name=display_name, content_type=kind.content_type, size=len(data),
        sha256=digest, description=description, provided_by=provided_by, provided_at=provided_at,
        obtained=obtained, uploaded_by=by,
    )
    evidence.file.save(f"{digest}.{kind.extension}", ContentFile(data), save=False)
    evidence.save()
    case_event_record(
        case=case, kind=CaseEvent.Kind.EVIDENCE, actor=by, at=provided_at,
        summary=f"Evidence added: {display_name} ({kind.label}) from {provided_by}",
        data={"evidence": evidence.pk, "sha256": digest},
    )
    return evidence


@transaction.atomic
def statement_add(*, case: Case, by: User, given_by: str, given_on: datetime.date, text: str) -> Statement:
    """Record a typed statement from someone involved. Writes: Statement, an event."""
    statement = Statement.objects.create(case=case, given_by=given_by, given_on=given_on, text=text, recorded_by=by)
    case_event_record(
        case=case, kind=CaseEvent.Kind.STATEMENT, actor=by,
        at=timezone.make_aware(datetime.datetime.combine(given_on, datetime.time(12))),
        summary=f"Statement from {given_by}", data={"statement": statement.pk},
    )
    return statement


@transaction.atomic
def contact_record(
    *,
    case: Case,
    by: User,
    happened_at: datetime.datetime,
    with_whom: str,
    method: str,
    summary: str,
    agreed_actions: str = "",
    parent: Parent | None = None,
) -> Contact:
    """Record a conversation with someone involved or with the parent. Writes: Contact, an event."""
    if parent is not None and not case.parents.filter(pk=parent.pk).exists():
        raise ValidationError("That parent is not one of the parents concerned in this case.")
    contact = Contact.objects.create(
        case=case, happened_at=happened_at, with_whom=with_whom, method=method, summary=summary,
        agreed_actions=agreed_actions, parent=parent, recorded_by=by,
    )
    case_event_record(
        case=case, kind=CaseEvent.Kind.CONTACT, actor=by, at=happened_at,
        summary=f"{contact.get_method_display()} with {with_whom}", data={"contact": contact.pk},
    )
    return contact


# --- one submission, one record -------------------------------------------------------------------

@dataclass(frozen=True)
class SubmissionClaim:
    first: bool
    result_url: str


def submission_claim(*, token: str, user: User, result_url: str) -> SubmissionClaim:
    """Record that the form with this token was handled, unless it already was.

    Call inside the same transaction as the write, after it: a second POST of the same form
    (a double-click, a resend) finds the first one's result and must not write again.
    """
    try:
        with transaction.atomic():
            Submission.objects.create(token=token, user=user, result_url=result_url)
    except IntegrityError:
        existing = Submission.objects.get(token=token)
        return SubmissionClaim(first=False, result_url=existing.result_url)
    return SubmissionClaim(first=True, result_url=result_url)


def submission_seen(*, token: str) -> str | None:
    """The result of an already handled submission, or None."""
    return Submission.objects.filter(token=token).values_list("result_url", flat=True).first()



# =================================================================================================
# Recommendations, the Head Teacher's decisions, sanctions and their lifecycles, contests (issue 5)
# =================================================================================================

from incidents.models import (  # noqa: E402  (kept with the section that uses them)
    Complaint,
    Decision,
    Recommendation,
    Representation,
    Sanction,
    SanctionStep,
)
from policies.models import Clause, LetterTemplate, ResponseType, TermHoliday  # noqa: E402

Kind = Sanction.Kind
State = Sanction.State
Purpose = LetterTemplate.Purpose


def _school_days_after(*, school: School, start: datetime.date, days: int) -> datetime.date:
    """The date `days` school days after `start` (weekdays outside the school's holidays).

    TODO(merge): use policies.selectors.school_days_after
    """
    holidays = list(TermHoliday.objects.filter(school=school, ends_on__gte=start).values_list("starts_on", "ends_on"))
    day, counted = start, 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and not any(first <= day <= last for first, last in holidays):
            counted += 1
    return day


def _require_head(by: User, what: str) -> None:
    if not by.has_role(Role.HEAD):
        raise PermissionDenied(f"Only the Head Teacher can {what}.")


def _require_case_worker(by: User, case: Case, what: str) -> None:
    # Mirrors permissions.can_work_on_case; governors and administrators never write here.
    if not (by.has_role(Role.HEAD) or by.has_role(Role.LEAD)
            or (by.has_role(Role.OFFICE) and (case.lead_id == by.pk or case.assignees.filter(pk=by.pk).exists()))):
        raise PermissionDenied(f"You cannot {what} on this case.")


def _names(items: Iterable) -> str:
    return ", ".join(str(item) for item in items)


# --- recommendation ------------------------------------------------------------------------------

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
    case_transition(case=case, to=Status.AWAITING_DECISION, by=by)
    return recommendation


# --- decision --------------------------------------------------------------------------------------

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


def decision_justification_needed(*, case: Case, responses: Iterable[ResponseType]) -> bool:
    """True when a chosen response is more than one rung above what the school usually does.

    See selectors.proportionality_for for what "usually" means.
    """
    from incidents.selectors import proportionality_for

    usual = proportionality_for(case).usual_level
    return any(r.level > usual + 1 for r in responses)


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
    Writes: Decision, one Sanction per chosen response, a decision event, status events.
    """
    _require_head(by, "record a decision")
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
    outcome = "No further action" if no_further_action else _names(responses)
    case_event_record(
        case=case, kind=CaseEvent.Kind.DECISION, actor=by,
        summary=("Decision corrected (supersedes the decision of "
                 f"{supersedes.decided_at:%d %b %Y}): " if supersedes else "Decision: ") + outcome,
        data={"decision": decision.pk, "supersedes": supersedes.pk if supersedes else None,
              "letter_needed": decision.letter_purpose},
    )
    if supersedes is None:
        case_transition(case=case, to=Status.DECIDED, by=by)
    return decision


# --- sanctions: one lifecycle per kind -------------------------------------------------------------

# The only moves each kind of sanction may make. WITHDRAWN is reached only when the decision that
# ordered it is superseded. A ban's review that continues it is a move to the same state.
_OPEN_BAN = {State.PROVISIONAL, State.REPRESENTATIONS, State.CONFIRMED, State.VARIED}
SANCTION_MOVES: dict[str, dict[str, set[str]]] = {
    Kind.WARNING: {State.PENDING: {State.ISSUED, State.WITHDRAWN}},
    Kind.MEETING: {
        State.PENDING: {State.INVITED, State.WITHDRAWN},
        State.INVITED: {State.HELD, State.DECLINED, State.DID_NOT_ATTEND, State.WITHDRAWN},
    },
    Kind.REFERRAL: {
        State.PENDING: {State.REFERRED, State.WITHDRAWN},
        State.REFERRED: {State.OUTCOME_RECORDED, State.WITHDRAWN},
    },
    Kind.LEGAL: {State.PENDING: {State.ADVICE_SOUGHT, State.WITHDRAWN}},
    Kind.MODERATORS: {
        State.PENDING: {State.REQUESTED, State.WITHDRAWN},
        State.REQUESTED: {State.RESULT_RECORDED, State.WITHDRAWN},
    },
    Kind.BAN: {
        State.PENDING: {State.PROVISIONAL, State.WITHDRAWN},
        State.PROVISIONAL: {State.REPRESENTATIONS, State.CONFIRMED, State.VARIED, State.LIFTED, State.WITHDRAWN},
        State.REPRESENTATIONS: {State.CONFIRMED, State.VARIED, State.LIFTED, State.WITHDRAWN},
        State.CONFIRMED: {State.CONFIRMED, State.VARIED, State.LIFTED, State.WITHDRAWN},
        State.VARIED: {State.VARIED, State.CONFIRMED, State.LIFTED, State.WITHDRAWN},
    },
}
SANCTION_FINISHED = {State.ISSUED, State.HELD, State.DECLINED, State.DID_NOT_ATTEND, State.OUTCOME_RECORDED,
                     State.ADVICE_SOUGHT, State.RESULT_RECORDED, State.LIFTED, State.WITHDRAWN}
# Moves of a ban that are the Head Teacher's review (optionally with the chair of governors).
BAN_REVIEW_STATES = {State.CONFIRMED, State.VARIED, State.LIFTED}
LETTER_FOR_STEP: dict[tuple[str, str], str] = {
    (Kind.WARNING, State.ISSUED): Purpose.WARNING,
    (Kind.MEETING, State.INVITED): Purpose.MEETING_INVITATION,
    (Kind.MODERATORS, State.REQUESTED): Purpose.MODERATOR_REQUEST,
    (Kind.BAN, State.PROVISIONAL): Purpose.PROVISIONAL_BAN,
    (Kind.BAN, State.CONFIRMED): Purpose.BAN_CONFIRMED,
    (Kind.BAN, State.VARIED): Purpose.BAN_VARIED,
    (Kind.BAN, State.LIFTED): Purpose.BAN_LIFTED,
}
# What each step must record (besides its date and who acted).
STEP_REQUIRES: dict[tuple[str, str], tuple[str, ...]] = {
    (Kind.MEETING, State.INVITED): ("meeting_on",),
    (Kind.MEETING, State.HELD): ("attendees", "notes"),
    (Kind.REFERRAL, State.REFERRED): ("organisation",),
    (Kind.REFERRAL, State.OUTCOME_RECORDED): ("outcome",),
    (Kind.LEGAL, State.ADVICE_SOUGHT): ("adviser",),
    (Kind.MODERATORS, State.REQUESTED): ("group",),
    (Kind.MODERATORS, State.RESULT_RECORDED): ("result",),
    (Kind.BAN, State.PROVISIONAL): ("reasons", "conditions", "starts_on"),
    (Kind.BAN, State.CONFIRMED): ("ends_on", "review_on"),
    (Kind.BAN, State.VARIED): ("conditions", "ends_on", "review_on"),
    (Kind.BAN, State.LIFTED): ("reasons",),
}
# The ban's terms each step may set; anything else passed in is kept on the step only.
BAN_TERMS_SET_BY: dict[str, tuple[str, ...]] = {
    State.PROVISIONAL: ("reasons", "conditions", "starts_on", "representations_due"),
    State.CONFIRMED: ("ends_on", "review_on"),
    State.VARIED: ("conditions", "ends_on", "review_on"),
}


def sanction_moves_for(sanction: Sanction) -> set[str]:
    """States this sanction may move to next, by the table (withdrawal is not offered as a step)."""
    return SANCTION_MOVES[sanction.kind].get(sanction.state, set()) - {State.WITHDRAWN}


def ban_may_be_confirmed(sanction: Sanction, *, today: datetime.date | None = None) -> bool:
    """A ban is never confirmed before its representations deadline unless the parent has answered."""
    today = today or timezone.localdate()
    if sanction.state == State.PROVISIONAL:
        return sanction.representations_due is not None and today > sanction.representations_due
    return True


def _step_summary(sanction: Sanction, to: str, details: dict) -> str:
    name = sanction.response_type.name
    if to == sanction.state and to in (State.CONFIRMED, State.VARIED):
        text = f"{name}: reviewed, continues; next review {details['review_on']:%d %b %Y}"
    else:
        text = f"{name}: {State(to).label}"
    public = {
        "organisation": "with {}", "reference": "ref. {}", "outcome": "outcome: {}", "group": "group: {}",
        "result": "result: {}", "adviser": "adviser: {}", "attendees": "attended: {}",
    }
    extras = [pattern.format(details[key]) for key, pattern in public.items() if details.get(key)]
    return text + (f" ({'; '.join(extras)})" if extras else "")


@transaction.atomic
def sanction_transition(
    *,
    sanction: Sanction,
    to: str,
    by: User,
    on: datetime.date | None = None,
    details: dict | None = None,
    head_only_note: str = "",
) -> SanctionStep:
    """Move a sanction one step on its lifecycle, if its table (SANCTION_MOVES) allows it.

    Checks: the move is in the table; what the step must record (STEP_REQUIRES); a ban's review
    (confirm, vary, lift) and withdrawals are the Head Teacher's alone; a ban is confirmed only
    after representations or once the deadline has passed; a confirmed or varied ban has a review
    date. Writes: Sanction (state, ban terms), SanctionStep (with the letter it needs), a timeline
    event (never the legal advice summary), and the case moves decided → sanction in force when
    the first sanction takes effect. Case workers (leads, the Head, assigned office staff) may call.
    """
    details = {k: v for k, v in (details or {}).items() if v not in (None, "", [])}
    on = on or timezone.localdate()
    locked = Sanction.objects.select_for_update().select_related("response_type", "case").get(pk=sanction.pk)
    case = locked.case
    current, target = State(locked.state), State(to)
    if target not in SANCTION_MOVES[locked.kind].get(current, set()):
        raise IllegalTransition(f"A {locked.get_kind_display().lower()} that is “{current.label}” "
                                f"cannot move to “{target.label}”.")
    if target == State.WITHDRAWN or (locked.kind == Kind.BAN and target in BAN_REVIEW_STATES):
        _require_head(by, "review, change or lift a ban" if target != State.WITHDRAWN else "withdraw a sanction")
    else:
        _require_case_worker(by, case, "move this sanction on")
    if locked.kind == Kind.LEGAL:
        _require_head(by, "record legal advice")
    missing = [name for name in STEP_REQUIRES.get((locked.kind, target), ()) if not details.get(name)]
    if missing:
        raise ValidationError(f"Record the {', '.join(m.replace('_', ' ') for m in missing)}.")
    if on > timezone.localdate():
        raise ValidationError("A step cannot be dated in the future.")
    if locked.kind == Kind.BAN:
        if target in (State.CONFIRMED, State.VARIED) and not ban_may_be_confirmed(locked):
            raise ValidationError(
                f"The parent has until {locked.representations_due:%d %B %Y} to make representations: "
                "the ban cannot be confirmed before then unless they have answered."
            )
        if target in (State.CONFIRMED, State.VARIED) and details["review_on"] <= on:
            raise ValidationError("The review date must be after the date of this step.")
        if target == State.PROVISIONAL:
            details.setdefault("representations_due", _school_days_after(
                school=case.school, start=details["starts_on"], days=case.school.representation_school_days))
            if details["representations_due"] <= details["starts_on"]:
                raise ValidationError("The deadline for representations must be after the ban starts.")
        if target in BAN_REVIEW_STATES:
            details["reviewed_by"] = by.display_name + (
                f" with {case.school.chair_of_governors_name or 'the chair of governors'}"
                if details.pop("with_chair", False) else "")
        for term in BAN_TERMS_SET_BY.get(target, ()):
            if term in details:
                setattr(locked, term, details[term])
    took_effect = current == State.PENDING and target != State.WITHDRAWN
    locked.state = target
    locked.save()
    step = SanctionStep.objects.create(
        sanction=locked, from_state=current, to_state=target, on=on, by=by,
        details={k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in details.items()},
        head_only_note=head_only_note.strip(), letter_purpose=LETTER_FOR_STEP.get((locked.kind, target), ""),
    )
    case_event_record(
        case=case, kind=CaseEvent.Kind.SANCTION, actor=by,
        at=timezone.make_aware(datetime.datetime.combine(on, datetime.time(12))) if on != timezone.localdate()
        else None,
        summary=_step_summary(locked, target, details),
        data={"sanction": locked.pk, "from": current.value, "to": target.value, "letter_needed": step.letter_purpose},
    )
    if took_effect and Case.objects.filter(pk=case.pk, status=Status.DECIDED).exists():
        case_transition(case=case, to=Status.SANCTION_IN_FORCE, by=by)
    sanction.refresh_from_db()
    return step


@transaction.atomic
def representation_record(
    *,
    sanction: Sanction,
    by: User,
    received_on: datetime.date,
    text: str = "",
    files: Iterable[tuple[str, bytes]] = (),
) -> Representation:
    """Record the parent's written representations against a provisional ban.

    Writes: each file as Evidence (evidence_add: checked, hashed, kept unaltered), Representation,
    and the ban's move provisional → representations received (sanction_transition).
    Case workers may call.
    """
    files = list(files)
    if not text.strip() and not files:
        raise ValidationError("Record what the parent said, or attach what they sent.")
    step_details = {"received_on": received_on}
    sanction_transition(sanction=sanction, to=State.REPRESENTATIONS, by=by, on=received_on, details=step_details)
    representation = Representation.objects.create(
        sanction=sanction, received_on=received_on, text=text.strip(), recorded_by=by
    )
    when = timezone.make_aware(datetime.datetime.combine(received_on, datetime.time(12)))
    for name, data in files:
        representation.files.add(evidence_add(
            case=sanction.case, by=by, data=data, file_name=name, provided_by="The parent (representations)",
            provided_at=when, obtained=Evidence.Obtained.DOCUMENT, description="Representations against the ban",
        ))
    return representation


def case_has_active_sanctions(case: Case) -> bool:
    return Sanction.objects.filter(case=case).exclude(state__in=SANCTION_FINISHED).exists()


# --- contest: complaint and governors' panel ------------------------------------------------------

COMPLAINT_MOVES: dict[str, set[str]] = {
    Complaint.State.RECEIVED: {Complaint.State.REFERRED},
    Complaint.State.REFERRED: {Complaint.State.DECIDED},
    Complaint.State.DECIDED: set(),
}


def _complaint_move(complaint: Complaint, to: str) -> None:
    if to not in COMPLAINT_MOVES[complaint.state]:
        raise IllegalTransition(f"A complaint that is “{complaint.get_state_display()}” cannot move to "
                                f"“{Complaint.State(to).label}”.")


@transaction.atomic
def complaint_record(*, case: Case, by: User, received_on: datetime.date, summary: str) -> Complaint:
    """Record that the parent contests the decision. Writes: Complaint, a referral event. Case workers."""
    _require_case_worker(by, case, "record a complaint")
    if not case.decisions.exists():
        raise ValidationError("There is no decision on this case to contest yet.")
    if not summary.strip():
        raise ValidationError("Say what the parent contests.")
    complaint = Complaint.objects.create(case=case, received_on=received_on, summary=summary.strip(), recorded_by=by)
    case_event_record(case=case, kind=CaseEvent.Kind.REFERRAL, actor=by,
                      summary="Complaint received: the parent contests the decision", data={"complaint": complaint.pk})
    return complaint


@transaction.atomic
def complaint_refer(*, complaint: Complaint, by: User, governors: Iterable[User], on: datetime.date) -> Complaint:
    """Refer the case to a panel of governors. Head Teacher only.

    Writes: the panel; each governor is added to case.governors, so they see this case (read-only,
    through cases_visible_to); a referral event.
    """
    _require_head(by, "refer a case to governors")
    governors = list(governors)
    if not governors or any(not g.has_role(Role.GOVERNOR) for g in governors):
        raise ValidationError("Choose one or more governors for the panel.")
    _complaint_move(complaint, Complaint.State.REFERRED)
    complaint.state, complaint.referred_on = Complaint.State.REFERRED, on
    complaint.save()
    complaint.panel.set(governors)
    complaint.case.governors.add(*governors)
    case_event_record(case=complaint.case, kind=CaseEvent.Kind.REFERRAL, actor=by,
                      summary=f"Referred to a governors' panel: {_names(g.display_name for g in governors)}",
                      data={"complaint": complaint.pk})
    return complaint


@transaction.atomic
def complaint_outcome_record(
    *, complaint: Complaint, by: User, outcome: str, reasons: str, on: datetime.date
) -> Complaint:
    """Record the governors' panel's outcome and reasons (the clerk, a lead or the Head records it).

    Writes: Complaint outcome, an event.
    """
    _require_case_worker(by, complaint.case, "record the panel's outcome")
    if not reasons.strip():
        raise ValidationError("Record the panel's reasons.")
    _complaint_move(complaint, Complaint.State.DECIDED)
    complaint.state = Complaint.State.DECIDED
    complaint.outcome, complaint.outcome_reasons, complaint.outcome_on = outcome, reasons.strip(), on
    complaint.save()
    case_event_record(case=complaint.case, kind=CaseEvent.Kind.REFERRAL, actor=by,
                      summary=f"Governors' panel: {complaint.get_outcome_display()}", data={"complaint": complaint.pk})
    return complaint
