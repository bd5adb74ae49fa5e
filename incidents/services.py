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
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from incidents import uploads
from incidents.models import (
    Case,
    CaseAccess,
    CaseEvent,
    CaseTombstone,
    Concern,
    Contact,
    Evidence,
    Parent,
    ParentGroup,
    ReferenceCounter,
    Statement,
    SubjectAccessRequest,
    Submission,
    User,
)
from incidents.models.privacy import one_calendar_month_after
from incidents.roles import Role
from policies.models import School
from policies.selectors import policy_version_in_force, school_days_after

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
# Moves made by a step of the workflow, never by the status buttons: the step's service passes `step=`.
MOVES_MADE_BY_STEP = {
    (Status.INVESTIGATING, Status.AWAITING_DECISION): "recommendation",
    (Status.AWAITING_DECISION, Status.DECIDED): "decision",
    (Status.DECIDED, Status.SANCTION_IN_FORCE): "sanction",
}
_STEP_LABELS = {"recommendation": "submitting a recommendation", "decision": "recording a decision",
                "sanction": "a sanction taking effect"}


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
            # Stable across time zones, databases and a restore from backup: user ids may change,
            # and fixtures keep times to the millisecond.
            "at": event.at.astimezone(datetime.UTC).isoformat(timespec="milliseconds"),
            "actor": event.actor.username if event.actor_id else None,
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


# --- full-text search document (issue 10) ---------------------------------------------------------

_SEARCH_DOCUMENT_SQL = """
UPDATE incidents_case c SET search_document =
    setweight(to_tsvector('english', c.reference || ' ' || c.title), 'A')
    || setweight(to_tsvector('english', c.summary), 'B')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(description, ' ') FROM incidents_concern WHERE case_id = c.id), '')
        || ' ' || coalesce((SELECT string_agg(text, ' ') FROM incidents_statement WHERE case_id = c.id), '')), 'C')
WHERE c.id = ANY(%s)
"""


def case_search_document_refresh(*, case_ids: Iterable[int]) -> None:
    """Rebuild the cases' full-text search document from their title, summary, concerns and statements.

    Writes: Case.search_document (PostgreSQL only; a no-op on SQLite, which searches plainly). Called
    by the services below whenever one of those texts changes, and by bulk seeding. One UPDATE.
    """
    ids = list(case_ids)
    if ids and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_SEARCH_DOCUMENT_SQL, [ids])


# --- opening cases and logging concerns ---------------------------------------------------------

def case_reference_next(*, school: School, year: int) -> str:
    """Next reference of the year: CB-2026-0042. Writes: the year's ReferenceCounter (locked)."""
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(school=school, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"CB-{year}-{counter.last:04d}"


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
    case_search_document_refresh(case_ids=[case.pk])  # search: title and summary
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
    case_search_document_refresh(case_ids=[case.pk])  # search: the concern's description
    case_notify_after_commit(case=case, kind=Notification.Kind.CONCERN_LOGGED, by=by)
    if safeguarding:
        case_notify_after_commit(case=case, kind=Notification.Kind.SAFEGUARDING, by=by)
    return concern


# --- status ----------------------------------------------------------------------------------------

def case_transition(*, case: Case, to: str, by: User, reason: str = "", step: str = "") -> Case:
    """Move a case to another status, if the table of allowed moves permits it.

    Writes: Case.status (and status_changed_at, closed_at), a status event with the reason. Raises
    IllegalTransition for a move the table does not allow, that lacks a required reason, or that only
    a step of the workflow makes (MOVES_MADE_BY_STEP: recommendation_submit, decision_record and
    sanction_transition pass `step`); PermissionDenied when a move that only the Head Teacher's
    decision makes is attempted by anyone else.
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
        made_by = MOVES_MADE_BY_STEP.get((current, target))
        if made_by and step != made_by:
            raise IllegalTransition(f"A case moves to “{target.label}” by {_STEP_LABELS[made_by]}.")
        reason = reason.strip()
        if (current, target) in MOVES_NEEDING_REASON and not reason:
            raise IllegalTransition(f"Give a reason for moving the case from “{current.label}” to “{target.label}”.")
        now = timezone.now()
        locked.status = target
        locked.status_changed_at = now
        locked.closed_at = now if target == Status.CLOSED else None
        locked.version += 1
        locked.save(update_fields=["status", "status_changed_at", "closed_at", "version", "updated_at"])
        verb = "Reopened" if current == Status.CLOSED else "Status"
        case_event_record(
            case=locked, kind=CaseEvent.Kind.STATUS, actor=by, at=now,
            summary=f"{verb}: {current.label} → {target.label}" + (f". Reason: {reason}" if reason else ""),
            data={"from": current.value, "to": target.value, "reason": reason},
        )
        if target == Status.AWAITING_DECISION:
            case_notify_after_commit(case=locked, kind=Notification.Kind.AWAITING_DECISION, by=by)
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
    if {"title", "summary"} & set(changed):
        case_search_document_refresh(case_ids=[locked.pk])  # search: new title or summary
    labels = [str(Case._meta.get_field(name).verbose_name) for name in changed]
    case_event_record(
        case=locked, kind=CaseEvent.Kind.UPDATED, actor=by,
        summary="Updated: " + ", ".join(labels), data={"fields": changed},
    )
    if "safeguarding" in changed and locked.safeguarding:
        case_notify_after_commit(case=locked, kind=Notification.Kind.SAFEGUARDING, by=by)
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
    identified: uploads.Identified | None = None,
) -> Evidence:
    """Keep a file as evidence, exactly as received, with its SHA-256.

    Checks the name, the size against the school's limit, and the type by content (see
    incidents.uploads) unless the caller has already established it (`identified`: a chat export
    that was read as one). Writes: the file to private storage, Evidence, an event. Raises
    ValidationError with a plain message and keeps nothing when a check fails.
    """
    display_name = uploads.check_file_name(file_name)
    limit = case.school.evidence_max_mb * 1024 * 1024
    if len(data) > limit:
        raise ValidationError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {case.school.evidence_max_mb} MB."
        )
    kind = identified or uploads.identify(data)
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
        # A statement has a date, not a time: place it at noon, or now if given today.
        at=timezone.now() if given_on == timezone.localdate()
        else timezone.make_aware(datetime.datetime.combine(given_on, datetime.time(12))),
        summary=f"Statement from {given_by}", data={"statement": statement.pk},
    )
    case_search_document_refresh(case_ids=[case.pk])  # search: the statement's text
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


# --- data protection ------------------------------------------------------------------------------

@transaction.atomic
def subject_access_request_record(
    *, parent: Parent, received_on: datetime.date, by: User, how_received: str = "", notes: str = ""
) -> SubjectAccessRequest:
    """Record a subject access request; its deadline is one calendar month after it was received.

    Writes: SubjectAccessRequest. Head Teacher only (checked by the caller).
    """
    return SubjectAccessRequest.objects.create(
        parent=parent, received_on=received_on, due_on=one_calendar_month_after(received_on),
        how_received=how_received, notes=notes, recorded_by=by,
    )


@transaction.atomic
def subject_access_export_record(*, access_request: SubjectAccessRequest, by: User, redacted: bool) -> None:
    """Note on each case about the parent that an export of it was produced, and by whom.

    Writes: one event per case.
    """
    for case in Case.objects.filter(parents=access_request.parent):
        case_event_record(
            case=case, kind=CaseEvent.Kind.NOTE, actor=by,
            summary="Included in a subject access export" + (" (other names withheld)" if redacted else ""),
            data={"subject_access_request": access_request.pk, "redacted": redacted},
        )


@transaction.atomic
def subject_access_request_complete(*, access_request: SubjectAccessRequest, by: User, on: datetime.date) -> None:
    """Mark a request answered. Writes: status and completion date."""
    access_request.status = SubjectAccessRequest.Status.COMPLETED
    access_request.completed_on = on
    access_request.save(update_fields=["status", "completed_on"])


@transaction.atomic
def case_dispose(*, case: Case, by: User, reason: str) -> CaseTombstone:
    """Dispose of a closed case whose retention period has ended: the only way a case is deleted.

    Head Teacher only. Refuses a case that is not closed or not yet due. Writes: deletes the case,
    everything that hangs from it and its field history, its stored files; creates a CaseTombstone.
    """
    from incidents.retention import case_purge_content
    from incidents.selectors import disposal_due_on

    if not by.has_role(Role.HEAD):
        raise PermissionDenied("Only the Head Teacher can authorise disposal.")
    locked = Case.objects.select_for_update().select_related("school").get(pk=case.pk)
    due_on = disposal_due_on(locked)
    if due_on is None or due_on > timezone.localdate():
        raise ValidationError(f"{locked.reference} is not due for disposal.")
    if not reason.strip():
        raise ValidationError("Give a reason.")
    last_hash = locked.events.order_by("-id").values_list("hash", flat=True).first() or ""
    tombstone = CaseTombstone(
        school=locked.school, reference=locked.reference, incident_date=locked.incident_date,
        opened_at=locked.opened_at, closed_at=locked.closed_at, retention_years=locked.school.retention_years,
        authorised_by=by, reason=reason.strip(), last_event_hash=last_hash,
    )
    tombstone.removed = case_purge_content(locked)
    tombstone.save()
    return tombstone


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



# --- letters ----------------------------------------------------------------------------------------
# A letter is drafted from the current version of the school's template for a purpose, approved by
# the Head Teacher, rendered to PDF by a Celery task, then issued (e-mailed with the PDF attached, or
# printed and posted / handed over). Issued letters are frozen; a change means a new version.

from incidents.letters import context as letter_context_module  # noqa: E402
from incidents.letters import pdf as letter_pdf  # noqa: E402
from incidents.models import Letter  # noqa: E402
from policies.models import LetterTemplate  # noqa: E402
from policies.templating import render_letter_template  # noqa: E402

LetterStatus = Letter.Status

# The only moves a letter's status may make, and who may make each.
LETTER_MOVES: dict[tuple[str, str], tuple[Role, ...]] = {
    (LetterStatus.DRAFT, LetterStatus.APPROVED): (Role.HEAD,),
    (LetterStatus.APPROVED, LetterStatus.DRAFT): (Role.HEAD, Role.LEAD),  # sent back for changes
    (LetterStatus.APPROVED, LetterStatus.ISSUED): (Role.OFFICE, Role.LEAD, Role.HEAD),
    (LetterStatus.ISSUED, LetterStatus.ACKNOWLEDGED): (Role.OFFICE, Role.LEAD, Role.HEAD),
}
_LETTER_EVENT_VERBS = {
    LetterStatus.APPROVED: "approved", LetterStatus.DRAFT: "sent back for changes",
    LetterStatus.ISSUED: "issued", LetterStatus.ACKNOWLEDGED: "acknowledged",
}


def _letter_recipient(*, case: Case, recipient: Parent | None, details: dict | None) -> dict:
    if recipient is not None:
        if not case.parents.filter(pk=recipient.pk).exists():
            raise ValidationError("Choose one of the parents concerned in this case, or write to someone else.")
        return {"full_name": recipient.full_name, "salutation": recipient.salutation,
                "address": recipient.address, "postcode": recipient.postcode, "email": recipient.email}
    details = {key: (value or "").strip() for key, value in (details or {}).items()}
    if not details.get("full_name"):
        raise ValidationError("Say who the letter is to: choose a parent or give a name.")
    details.setdefault("salutation", "")
    details["salutation"] = details["salutation"] or details["full_name"]
    return {key: details.get(key, "") for key in ("full_name", "salutation", "address", "postcode", "email")}


def _letter_render_html(letter: Letter) -> None:
    """Fill in subject and body from the template version, with typed parts as data (autoescaped)."""
    context = letter_context_module.letter_context(
        case=letter.case, parent=letter.parent, parts=letter.parts, today=timezone.localdate(),
        recipient={"full_name": letter.recipient_name, "salutation": letter.recipient_salutation,
                   "address": letter.recipient_address, "postcode": letter.recipient_postcode},
    )
    version = letter.template_version
    letter.subject = render_letter_template(version.subject, context).strip()[:300]
    letter.html = render_letter_template(version.body, context)


def _apply_recipient(letter: Letter, *, recipient: Parent | None, details: dict) -> None:
    letter.recipient_parent = recipient
    letter.recipient_name = details["full_name"][:200]
    letter.recipient_salutation = details["salutation"][:200]
    letter.recipient_address = details["address"]
    letter.recipient_postcode = details["postcode"][:12]
    letter.recipient_email = details["email"]


def _clean_parts(parts: dict | None) -> dict[str, str]:
    return {name: str(value).strip() for name, value in (parts or {}).items()
            if name in letter_context_module.PARTS_BY_NAME and value not in (None, "")}


@transaction.atomic
def letter_start(
    *,
    case: Case,
    purpose: str,
    by: User,
    recipient: Parent | None = None,
    recipient_details: dict | None = None,
    parent: Parent | None = None,
    parts: dict | None = None,
    step=None,
    step_label: str = "",
) -> Letter:
    """Draft a letter on the case from the current version of the school's template for `purpose`.

    `recipient` is a parent of the case, or `recipient_details` (full_name, salutation, address,
    postcode, email) someone else. `parent` is whose conduct it is about (defaults to the recipient
    when a parent, else the case's first parent). `step` optionally links the step that asked for it.
    Writes: Letter (draft, rendered HTML), a "drafted" event. Staff who may work on the case call it.
    """
    template = LetterTemplate.objects.filter(school=case.school, purpose=purpose).first()
    version = template.current_version if template else None
    if version is None:
        raise ValidationError(f"The school has no letter template for “{LetterTemplate.Purpose(purpose).label}”.")
    details = _letter_recipient(case=case, recipient=recipient, details=recipient_details)
    if parent is None:
        parent = recipient or case.parents.order_by("pk").first()
    elif not case.parents.filter(pk=parent.pk).exists():
        raise ValidationError("The letter must be about one of the parents concerned in this case.")
    letter = Letter(case=case, template_version=version, purpose=purpose, parent=parent, created_by=by,
                    parts={**letter_context_module.default_parts(case, today=timezone.localdate()),
                           **_clean_parts(parts)},
                    step_label=step_label[:200])
    if step is not None:
        from django.contrib.contenttypes.models import ContentType

        letter.step_type = ContentType.objects.get_for_model(step)
        letter.step_id = step.pk
    _apply_recipient(letter, recipient=recipient, details=details)
    _letter_render_html(letter)
    letter.save()
    case_event_record(
        case=case, kind=CaseEvent.Kind.LETTER, actor=by,
        summary=f"Letter drafted: {template.name} to {letter.recipient_name}",
        data={"letter": letter.pk, "status": LetterStatus.DRAFT, "version": letter.version},
    )
    return letter


@transaction.atomic
def letter_update(
    *,
    letter: Letter,
    by: User,
    parts: dict,
    recipient: Parent | None = None,
    recipient_details: dict | None = None,
) -> Letter:
    """Change a draft's recipient and typed parts, and render it again.

    Writes: Letter (HTML re-rendered, any earlier PDF marked as needing preparing again). Refuses
    anything but a draft: an approved letter is sent back first, an issued one gets a new version.
    """
    locked = Letter.objects.select_for_update().get(pk=letter.pk)
    if locked.status != LetterStatus.DRAFT:
        raise ValidationError("Only a draft can be changed. An issued letter needs a new version.")
    details = _letter_recipient(case=locked.case, recipient=recipient, details=recipient_details)
    _apply_recipient(locked, recipient=recipient, details=details)
    if recipient is not None:
        locked.parent = recipient
    locked.parts = _clean_parts(parts)
    _letter_render_html(locked)
    locked.render_state, locked.render_error, locked.sha256 = Letter.RenderState.NONE, "", ""
    locked.save()
    return locked


def _may_move(user: User, roles: tuple[Role, ...]) -> bool:
    return any(user.has_role(role) for role in roles)


def letter_transition(
    *,
    letter: Letter,
    to: str,
    by: User,
    method: str = "",
    issued_on: datetime.date | None = None,
    note: str = "",
) -> Letter:
    """Move a letter on: approve (Head Teacher), send back, issue, or record the acknowledgement.

    Checks the move against LETTER_MOVES and the role allowed to make it. Issuing needs an approved
    letter whose PDF is ready, a method, and the address (post, hand) or e-mail address it needs.
    Writes: Letter status and who/when, a letter event; issuing by e-mail queues `send_letter_email`
    after commit. Raises IllegalTransition or PermissionDenied with a plain message.
    """
    with transaction.atomic():
        locked = Letter.objects.select_for_update().select_related("case").get(pk=letter.pk)
        current, target = LetterStatus(locked.status), LetterStatus(to)
        roles = LETTER_MOVES.get((current, target))
        if roles is None:
            raise IllegalTransition(f"A letter that is “{current.label}” cannot become “{target.label}”.")
        if not _may_move(by, roles):
            if target == LetterStatus.APPROVED:
                raise PermissionDenied("Only the Head Teacher can approve a letter.")
            raise PermissionDenied("You cannot do that to this letter.")
        now = timezone.now()
        if target == LetterStatus.APPROVED:
            locked.approved_by, locked.approved_at = by, now
        elif target == LetterStatus.DRAFT:
            locked.approved_by, locked.approved_at = None, None
        elif target == LetterStatus.ISSUED:
            _check_issue(locked, method=method)
            locked.issue_method = method
            locked.issued_on = issued_on or timezone.localdate()
            locked.issued_by, locked.issued_at = by, now
        elif target == LetterStatus.ACKNOWLEDGED:
            locked.acknowledged_on = issued_on or timezone.localdate()
            locked.acknowledged_note = note.strip()[:300]
        locked.status = target
        locked.save()
        how = f" ({Letter.IssueMethod(method).label.lower()})" if target == LetterStatus.ISSUED else ""
        case_event_record(
            case=locked.case, kind=CaseEvent.Kind.LETTER, actor=by,
            summary=f"Letter {_LETTER_EVENT_VERBS[target]}: {locked.get_purpose_display()} "
                    f"v{locked.version} to {locked.recipient_name}{how}",
            data={"letter": locked.pk, "status": target.value, "method": method},
        )
        if target == LetterStatus.APPROVED:
            case_notify_after_commit(case=locked.case, kind=Notification.Kind.LETTER_APPROVED, by=by)
        if target == LetterStatus.ISSUED and method == Letter.IssueMethod.EMAIL:
            from incidents.tasks import enqueue, send_letter_email

            transaction.on_commit(lambda: enqueue(send_letter_email, locked.pk))
    letter.refresh_from_db()
    return letter


def _check_issue(letter: Letter, *, method: str) -> None:
    if method not in Letter.IssueMethod.values:
        raise IllegalTransition("Say how the letter was sent: by e-mail, by post, or handed over.")
    if letter.render_state != Letter.RenderState.READY or not letter.pdf:
        raise IllegalTransition("Prepare the PDF first: a letter is issued exactly as its PDF reads.")
    if method == Letter.IssueMethod.EMAIL and not letter.recipient_email:
        raise IllegalTransition(f"{letter.recipient_name} has no e-mail address on this letter: "
                                "send it by post or hand it over, or prepare a new version.")
    if method == Letter.IssueMethod.POST and not letter.recipient_address.strip():
        raise IllegalTransition(f"{letter.recipient_name} has no postal address on this letter: "
                                "e-mail it or hand it over, or prepare a new version with the address.")


@transaction.atomic
def letter_new_version(*, letter: Letter, by: User) -> Letter:
    """Start a new version of an issued letter, to change it. Both are kept; the issued one is untouched.

    Writes: a new draft Letter (version + 1, `previous` = the issued one, same parts and recipient,
    the template's current version), a "drafted" event. Refuses a letter that is not issued, or
    one that already has a newer version.
    """
    if not letter.is_frozen:
        raise ValidationError("Only an issued letter needs a new version: change the draft itself.")
    if Letter.objects.filter(previous=letter).exists():
        raise ValidationError("This letter already has a newer version.")
    version = letter.template_version.template.current_version
    new = Letter(
        case=letter.case, template_version=version, purpose=letter.purpose, version=letter.version + 1,
        previous=letter, step_type=letter.step_type, step_id=letter.step_id, step_label=letter.step_label,
        parent=letter.parent, parts=dict(letter.parts), created_by=by,
        recipient_parent=letter.recipient_parent, recipient_name=letter.recipient_name,
        recipient_salutation=letter.recipient_salutation, recipient_address=letter.recipient_address,
        recipient_postcode=letter.recipient_postcode, recipient_email=letter.recipient_email,
    )
    _letter_render_html(new)
    new.save()
    case_event_record(
        case=letter.case, kind=CaseEvent.Kind.LETTER, actor=by,
        summary=f"Letter drafted: {new.get_purpose_display()} v{new.version} (replaces v{letter.version})",
        data={"letter": new.pk, "status": LetterStatus.DRAFT, "previous": letter.pk},
    )
    return new


def letter_request_pdf(*, letter: Letter) -> Letter:
    """Ask the worker to prepare the letter's PDF. Writes: render_state "pending"; queues
    `render_letter_pdf` after commit. Refuses an issued letter (its PDF is the record)."""
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.is_frozen:
            raise ValidationError("This letter has been issued: its PDF is kept exactly as it went out.")
        locked.render_state, locked.render_error = Letter.RenderState.PENDING, ""
        locked.save(update_fields=["render_state", "render_error"])
        transaction.on_commit(lambda: letter_enqueue_render(letter_id=locked.pk))
    letter.refresh_from_db()
    return letter


LETTER_WAITING_FOR_QUEUE = (
    "Waiting for the task queue, which cannot be reached: the PDF will be prepared when it is back."
)


def letter_enqueue_render(*, letter_id: int) -> bool:
    """Queue the render; if the broker is down, say so on the letter (it stays pending)."""
    from incidents.tasks import enqueue, render_letter_pdf

    queued = enqueue(render_letter_pdf, letter_id)
    note = "" if queued else LETTER_WAITING_FOR_QUEUE
    Letter.objects.filter(pk=letter_id, render_state=Letter.RenderState.PENDING).update(render_error=note)
    return queued


def letters_requeue_waiting() -> int:
    """Queue again every letter whose render could not be queued. Writes: render notes. Called by
    beat every minute and when a waiting letter's page polls its status."""
    waiting = Letter.objects.filter(render_state=Letter.RenderState.PENDING, render_error=LETTER_WAITING_FOR_QUEUE)
    return sum(letter_enqueue_render(letter_id=pk) for pk in waiting.values_list("pk", flat=True))


def letter_render_pdf(*, letter_id: int) -> Letter:
    """Render the letter to PDF and keep it: the worker's side of `letter_request_pdf`.

    Idempotent: the file has one name per letter version and is replaced, then the row is
    updated (PDF name, SHA-256, state "ready") in one step, so a re-run after a crash leaves
    exactly one PDF and never a row pointing at a half-written file. Does nothing to an issued
    letter. Called only by the task.
    """
    letter = Letter.objects.select_related("case__school", "template_version").get(pk=letter_id)
    if letter.is_frozen:
        return letter
    data = letter_pdf.html_to_pdf(letter_pdf.letter_document_html(letter))
    name = letter.pdf.field.generate_filename(letter, "letter.pdf")
    storage = letter.pdf.storage
    if storage.exists(name):
        storage.delete(name)
    stored = storage.save(name, ContentFile(data))
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter_id)
        if locked.is_frozen:
            return locked
        locked.pdf.name = stored
        locked.sha256 = uploads.sha256_of(data)
        locked.render_state, locked.render_error = Letter.RenderState.READY, ""
        locked.rendered_at = timezone.now()
        locked.save(update_fields=["pdf", "sha256", "render_state", "render_error", "rendered_at"])
    return locked


def letter_render_failed(*, letter_id: int, error: str) -> None:
    """Record that the PDF could not be made after the retries. Writes: render_state "failed" and
    the message (plain: shown on the letter page). Called only by the task."""
    Letter.objects.filter(pk=letter_id, render_state=Letter.RenderState.PENDING).update(
        render_state=Letter.RenderState.FAILED,
        render_error=f"The PDF could not be prepared: {error}"[:500],
    )


def letter_email_send(*, letter_id: int) -> None:
    """E-mail an issued letter's PDF to its recipient. Writes: emailed_at. Called only by the task;
    a failure raises so the task retries."""
    from django.core.mail import EmailMessage

    letter = Letter.objects.select_related("case__school").get(pk=letter_id)
    if letter.emailed_at or letter.issue_method != Letter.IssueMethod.EMAIL:
        return
    school = letter.case.school
    message = EmailMessage(
        subject=f"{letter.subject} ({letter.case.reference})",
        body=f"Dear {letter.recipient_salutation},\n\nPlease find attached a letter from {school.name}.\n\n"
             f"{school.name}\n{school.phone}",
        to=[letter.recipient_email],
        reply_to=[school.email] if school.email else None,
    )
    with letter.pdf.open("rb") as handle:
        message.attach(letter.pdf_filename, handle.read(), "application/pdf")
    message.send()
    Letter.objects.filter(pk=letter_id).update(emailed_at=timezone.now(), email_error="")

# =================================================================================================
# --- chats exported from WhatsApp: import, date order, marks, rebuild (issue 7) -------------------
# =================================================================================================
# The evidence file is the record; everything below it (messages, media, the conversation view) is
# derived from its bytes and can be rebuilt. Only the marks are the lead's own work, and they point
# at messages by a stable key (line number + SHA-256 of the text), never by row id.

from pathlib import Path  # noqa: E402

from incidents.chat import archive as chat_archive  # noqa: E402
from incidents.chat import parser as chat_parser  # noqa: E402
from incidents.models import ChatImport, ChatMark, ChatMedia, ChatMessage  # noqa: E402
from policies.models import Clause  # noqa: E402

# The parser's own source, digested: changes whenever the parser does, with nobody to forget a bump.
CHAT_PARSER_VERSION = hashlib.sha256(Path(chat_parser.__file__).read_bytes()).hexdigest()[:12]
_CHAT_TEXT = uploads.Identified("text/plain", "Exported chat (.txt)", "txt")
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


class ChatEvidenceChanged(Exception):
    """The stored evidence file no longer matches the SHA-256 recorded when it was received."""


@dataclass(frozen=True)
class ChatEvidenceResult:
    """What happened to an uploaded chat: `outcome` is "read", "awaiting_date_order" or "not_a_chat"."""

    evidence: Evidence
    chat_import: ChatImport | None
    outcome: str
    message: str


def chat_message_key(*, line_number: int, text: str) -> str:
    return f"{line_number}-{hashlib.sha256(text.encode()).hexdigest()}"


def _media_content_type(data: bytes) -> str:
    # Only PNG and JPEG are ever shown inline, and only when their bytes say so.
    for magic, content_type in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return content_type
    return "application/octet-stream"


_CHAT_MESSAGE_COLUMNS = ("chat_import_id", "position", "line_number", "sent_on", "sent_time", "author", "text",
                         "kind", "media_name", "key")


def _chat_message_rows_insert(rows: list[tuple]) -> None:
    """Insert message rows in bulk, in the column order of _CHAT_MESSAGE_COLUMNS.

    A 50,000-line chat took ~9 s through bulk_create (a model instance and per-field preparation for
    each row) and ~5 s on PostgreSQL through multi-row INSERTs (psycopg splits the long statement in
    Python). COPY on PostgreSQL and multi-row INSERTs on SQLite take one to two seconds. The rows are
    derived, have no history and no signals, so nothing is skipped by writing them directly.
    """
    quote = connection.ops.quote_name
    table = quote(ChatMessage._meta.db_table)
    names = ", ".join(quote(column) for column in _CHAT_MESSAGE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        ops = connection.ops
        rows = [(*row[:3], ops.adapt_datefield_value(row[3]), ops.adapt_timefield_value(row[4]), *row[5:])
                for row in rows]
        per_statement = min(1000, (connection.features.max_query_params or 10_000) // len(_CHAT_MESSAGE_COLUMNS))
        row_sql = f"({', '.join(['%s'] * len(_CHAT_MESSAGE_COLUMNS))})"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            # Table and column names come from the model; every value is bound as a parameter.
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row_sql] * len(chunk))  # noqa: S608
            cursor.execute(sql, [value for row in chunk for value in row])


def _chat_messages_create(*, chat_import: ChatImport, parsed: chat_parser.ParsedChat) -> int:
    rows = [
        (chat_import.pk, entry.index, entry.line_number, entry.sent_at.date(), entry.sent_at.time(),
         (entry.author or "")[:200], entry.text, entry.kind, (entry.media_name or "")[:255],
         chat_message_key(line_number=entry.line_number, text=entry.text))
        for entry in parsed.entries
    ]
    _chat_message_rows_insert(rows)
    chat_import.status = ChatImport.Status.READ
    chat_import.date_order = parsed.date_order
    chat_import.platform = parsed.platform
    chat_import.parser_version = CHAT_PARSER_VERSION
    chat_import.authors = parsed.authors
    chat_import.message_count = len(rows)
    chat_import.read_at = timezone.now()
    chat_import.save()
    return len(rows)


@transaction.atomic
def evidence_add_chat(
    *,
    case: Case,
    by: User,
    data: bytes,
    file_name: str,
    provided_by: str,
    provided_at: datetime.datetime,
    description: str = "",
) -> ChatEvidenceResult:
    """Keep an exported chat (.txt or WhatsApp .zip) as evidence and read it into a conversation.

    Steps: read the upload safely (a damaged or unsafe zip raises ValidationError with the archive's
    message and nothing is kept); keep the original bytes through `evidence_add` (SHA-256, event);
    then parse the text. A readable chat gets a ChatImport with its messages and media and an event;
    a chat whose dates could be day-first or month-first gets a ChatImport awaiting the choice (the
    evidence is kept; see `chat_import_choose_date_order`); a text that is not a chat stays as
    ordinary evidence. Office staff, leads and the Head may call (as for evidence_add).
    """
    try:
        upload = chat_archive.read_chat_upload(file_name, data)
    except chat_archive.ChatUploadError as error:
        raise ValidationError(str(error)) from None
    parsed = problem = None
    try:
        parsed = chat_parser.parse_chat(upload.text)
    except chat_parser.ChatParseError as error:
        problem = error
    not_a_chat = isinstance(problem, chat_parser.NotAChatExport)
    # A parent may well have typed "<script>" or "<html>" into the group; the markup sniffing that
    # keeps web pages out would refuse the whole export. A text read as a chat is kept as plain text
    # (downloads are attachments with nosniff and a sandbox, and pages escape every message).
    # (read_chat_upload has already refused a .txt that is really a zip, or not text at all.)
    identified = _CHAT_TEXT if file_name.lower().endswith(".txt") and not not_a_chat else None
    evidence = evidence_add(
        case=case, by=by, data=data, file_name=file_name, provided_by=provided_by, provided_at=provided_at,
        obtained=Evidence.Obtained.DOCUMENT if not_a_chat else Evidence.Obtained.CHAT_EXPORT,
        description=description, identified=identified,
    )
    if not_a_chat:
        # Kept as received (the zip, with any photos, can still be downloaded); just not read as a chat.
        return ChatEvidenceResult(
            evidence, None, "not_a_chat",
            f"{evidence.original_name} was kept as ordinary evidence, but it is not a chat Casebook can read: "
            f"{problem}",
        )
    chat_import = ChatImport.objects.create(evidence=evidence, chat_name=upload.chat_name[:255], created_by=by)
    _chat_media_store(chat_import=chat_import, media=upload.media)
    if parsed is None:
        return ChatEvidenceResult(
            evidence, chat_import, "awaiting_date_order",
            f"{evidence.original_name} is kept. Its dates could be day-first or month-first: choose which.",
        )
    count = _chat_messages_create(chat_import=chat_import, parsed=parsed)
    _chat_read_event(chat_import=chat_import, by=by)
    return ChatEvidenceResult(evidence, chat_import, "read", f"Chat read: {count} messages and events.")


def _chat_media_store(*, chat_import: ChatImport, media: dict[str, bytes]) -> None:
    for name, content in media.items():
        digest = uploads.sha256_of(content)
        item = ChatMedia(chat_import=chat_import, name=name[-255:], content_type=_media_content_type(content),
                         size=len(content), sha256=digest)
        item.file.save(digest, ContentFile(content), save=False)
        item.save()


def _chat_read_event(*, chat_import: ChatImport, by: User | None, rebuilt: bool = False) -> None:
    evidence = chat_import.evidence
    chosen = ""
    if chat_import.date_order_chosen:
        chosen = f" (date order chosen: {chat_import.get_date_order_display()})"
    verb = "Chat rebuilt from" if rebuilt else "Chat read from"
    case_event_record(
        case=evidence.case, kind=CaseEvent.Kind.EVIDENCE, actor=by,
        summary=f"{verb} {evidence.original_name}: {chat_import.message_count} messages and events, "
                f"{len(chat_import.authors)} people{chosen}",
        data={"chat_import": chat_import.pk, "evidence": evidence.pk, "parser": chat_import.parser_version,
              "date_order": chat_import.date_order},
    )


def chat_evidence_text(*, evidence: Evidence) -> str:
    """The chat text of the stored file, after checking the file is still the one received.

    Raises ChatEvidenceChanged when its SHA-256 differs from the one recorded. No writes.
    """
    with evidence.file.open("rb") as handle:
        data = handle.read()
    if uploads.sha256_of(data) != evidence.sha256:
        raise ChatEvidenceChanged(
            f"The stored file {evidence.original_name} no longer matches its SHA-256: it has been changed "
            "or damaged. It was not read; tell the administrator."
        )
    return chat_archive.read_chat_upload(evidence.original_name, data).text


@transaction.atomic
def chat_import_choose_date_order(*, chat_import: ChatImport, date_order: str, by: User) -> ChatImport:
    """Read a chat whose dates could be either way, in the order a person chose.

    Writes: the messages, the import's details, an event naming the chosen order. Raises
    ValidationError when the chat is already read or the order contradicts the file. Whoever may add
    evidence to the case may call.
    """
    locked = ChatImport.objects.select_for_update().select_related("evidence__case").get(pk=chat_import.pk)
    if locked.status != ChatImport.Status.AWAITING_DATE_ORDER:
        raise ValidationError("This chat has already been read.")
    if date_order not in ChatImport.DateOrder.values:
        raise ValidationError("Choose day first or month first.")
    try:
        parsed = chat_parser.parse_chat(chat_evidence_text(evidence=locked.evidence), date_order=date_order)
    except chat_parser.ChatParseError as error:
        raise ValidationError(str(error)) from None
    locked.date_order_chosen = True
    _chat_messages_create(chat_import=locked, parsed=parsed)
    _chat_read_event(chat_import=locked, by=by)
    return locked


@transaction.atomic
def chat_import_rebuild(*, import_: ChatImport, by: User | None = None) -> ChatImport:
    """Read the stored original again and recreate the messages (after a parser change, or repair).

    Checks the stored file's SHA-256 first and raises ChatEvidenceChanged if it differs. Writes:
    deletes and recreates ChatMessage rows, the import's details, an event. Marks are untouched:
    they find their messages again by key. Leads and the Head may call; so may a maintenance command.
    """
    locked = ChatImport.objects.select_for_update().select_related("evidence__case").get(pk=import_.pk)
    if locked.status != ChatImport.Status.READ:
        raise ValidationError("This chat has not been read yet: choose its date order first.")
    text = chat_evidence_text(evidence=locked.evidence)
    try:
        parsed = chat_parser.parse_chat(text, date_order=locked.date_order)
    except chat_parser.ChatParseError as error:
        raise ValidationError(str(error)) from None
    locked.messages.all().delete()
    _chat_messages_create(chat_import=locked, parsed=parsed)
    _chat_read_event(chat_import=locked, by=by, rebuilt=True)
    return locked


@transaction.atomic
def chat_message_mark(*, message: ChatMessage, clause: Clause, by: User, note: str = "") -> ChatMark:
    """Mark a message as breaching a clause of the case's policy version.

    Writes: ChatMark, an event quoting the start of the message. Raises ValidationError for a clause
    from another policy version, a group event, or a clause this message is already marked with.
    Only those who may work on the case (permissions.can_work_on_case) may call.
    """
    chat_import = message.chat_import
    case = chat_import.evidence.case
    if case.policy_version_id is None or clause.version_id != case.policy_version_id:
        raise ValidationError("Choose a clause of the policy in force when the incident happened.")
    if message.kind == ChatMessage.Kind.SYSTEM:
        raise ValidationError("Group events (joined, left, created) cannot be marked: mark what a person wrote.")
    active = ChatMark.objects.filter(chat_import=chat_import, message_key=message.key, removed_at__isnull=True)
    if active.filter(clause=clause).exists():
        raise ValidationError(f"This message is already marked as breaching clause {clause.number}.")
    mark = ChatMark.objects.create(chat_import=chat_import, message_key=message.key, clause=clause, note=note[:300],
                                   marked_by=by)
    case_event_record(
        case=case, kind=CaseEvent.Kind.EVIDENCE, actor=by,
        summary=f"Chat message marked (clause {clause.number}): {message.author or 'WhatsApp'}, "
                f"{message.sent_at:%d/%m/%Y %H:%M}: “{message.text[:80]}”",
        data={"chat_import": chat_import.pk, "mark": mark.pk, "message_key": message.key, "clause": clause.number},
    )
    return mark


@transaction.atomic
def chat_mark_remove(*, mark: ChatMark, by: User) -> ChatMark:
    """Take a mark off a message. The mark is kept, with who removed it and when, and an event.

    Only those who may work on the case may call. Removing an already removed mark changes nothing.
    """
    locked = ChatMark.objects.select_for_update().select_related("chat_import__evidence__case", "clause").get(
        pk=mark.pk
    )
    if locked.removed_at is not None:
        return locked
    locked.removed_at = timezone.now()
    locked.removed_by = by
    locked.save(update_fields=["removed_at", "removed_by"])
    case_event_record(
        case=locked.chat_import.evidence.case, kind=CaseEvent.Kind.EVIDENCE, actor=by,
        summary=f"Chat mark removed (clause {locked.clause.number}) from the message at line "
                f"{locked.message_key.split('-', 1)[0]}",
        data={"chat_import": locked.chat_import_id, "mark": locked.pk, "message_key": locked.message_key},
    )
    return locked

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
from policies.models import Clause, ResponseType  # noqa: E402

Kind = Sanction.Kind
State = Sanction.State
Purpose = LetterTemplate.Purpose


def _require_head(by: User, what: str) -> None:
    if not by.has_role(Role.HEAD):
        raise PermissionDenied(f"Only the Head Teacher can {what}.")


def _require_case_worker(by: User, case: Case, what: str) -> None:
    from incidents.permissions import can_work_on_case  # the one definition, as the views use it

    if not can_work_on_case(by, case):
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
    case_transition(case=case, to=Status.AWAITING_DECISION, by=by, step="recommendation")
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
        case_transition(case=case, to=Status.DECIDED, by=by, step="decision")
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
            details.setdefault("representations_due", school_days_after(
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
        case_transition(case=case, to=Status.SANCTION_IN_FORCE, by=by, step="sanction")
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

# --- notifications and reminders ----------------------------------------------------------------------
# Every e-mail to staff is kept in the outbox (Notification) as rendered, then sent by a Celery task
# after the write that caused it has committed. People who chose a daily digest get theirs from the
# daily job, in one e-mail; safeguarding alerts go at once whatever the choice. An e-mail names a case
# by reference only (see incidents.notifications), and goes only to people who may see the case.

from incidents import notifications as emails  # noqa: E402
from incidents import reminders  # noqa: E402
from incidents.models import Notification  # noqa: E402

NotificationKind = Notification.Kind

# Who hears of what happened on a case (before the check of who may see it).
CASE_NOTICE_ROLES: dict[str, tuple[Role, ...]] = {
    NotificationKind.CONCERN_LOGGED: (Role.LEAD,),
    NotificationKind.SAFEGUARDING: (Role.DSL,),
    NotificationKind.AWAITING_DECISION: (Role.HEAD,),
    NotificationKind.LETTER_APPROVED: (Role.OFFICE,),
}
CASE_NOTICE_EMAILS = {
    NotificationKind.CONCERN_LOGGED: emails.concern_logged,
    NotificationKind.SAFEGUARDING: emails.safeguarding_flagged,
    NotificationKind.AWAITING_DECISION: emails.awaiting_decision,
    NotificationKind.LETTER_APPROVED: emails.letter_approved,
}
# Sent at once even to someone who chose a daily digest.
ALWAYS_AT_ONCE = {NotificationKind.SAFEGUARDING}


def _may_see_case(user: User, case: Case) -> bool:
    from incidents.selectors import cases_visible_to

    return cases_visible_to(user).filter(pk=case.pk).exists()


NOTIFICATION_WAITING_FOR_QUEUE = "Waiting for the task queue, which could not be reached."


def _notification_enqueue(notification_id: int, *, was_waiting: bool = False) -> bool:
    """Queue the e-mail; if the broker is down, note it on the outbox row (still queued). A row
    that was waiting for the queue has the note cleared once queued."""
    from incidents.tasks import enqueue, send_notification

    queued = enqueue(send_notification, notification_id)
    if was_waiting or not queued:
        Notification.objects.filter(pk=notification_id, state=Notification.State.QUEUED).update(
            error="" if queued else NOTIFICATION_WAITING_FOR_QUEUE)
    return queued


def _send_after_commit(notification_id: int) -> None:
    transaction.on_commit(lambda: _notification_enqueue(notification_id))


def notifications_requeue_waiting() -> int:
    """Queue again every outbox e-mail that could not be queued. Called by the every-minute job."""
    waiting = Notification.objects.filter(state=Notification.State.QUEUED, error=NOTIFICATION_WAITING_FOR_QUEUE)
    return sum(_notification_enqueue(pk, was_waiting=True) for pk in waiting.values_list("pk", flat=True))


def notification_queue(
    *,
    recipient: User,
    kind: str,
    email: "emails.Email",
    case_reference: str = "",
    link: str = "",
    key: str | None = None,
    at_once: bool = False,
) -> Notification | None:
    """Keep one e-mail in the outbox and have it sent, unless the recipient takes a daily digest.

    Writes: Notification (queued; `digest` set when held for the digest). Queues `send_notification`
    after commit for an e-mail sent at once. A reminder (with `key`) already sent to this person is
    not written again: returns None. Called by the services here only.
    """
    digest = not at_once and recipient.notification_mode == User.NotificationMode.DIGEST
    fields = {"recipient": recipient, "kind": kind, "subject": email.subject[:200], "body": email.body,
              "case_reference": case_reference, "link": link, "key": key, "digest": digest}
    if key is None:
        notification = Notification.objects.create(**fields)
    else:
        try:
            with transaction.atomic():  # a savepoint: a reminder already sent must not undo the rest
                notification = Notification.objects.create(**fields)
        except IntegrityError:
            return None
    if not digest:
        _send_after_commit(notification.pk)
    return notification


@transaction.atomic
def case_notify(*, case_id: int, kind: str, by: User | None = None) -> list[Notification]:
    """Tell the people concerned that something happened on a case: who, by `CASE_NOTICE_ROLES`,
    and only those who may see the case (a restricted case tells only those it is open to); never
    the person who did it.

    Writes: one Notification per recipient (see notification_queue). Called after commit by the
    workflow services (concern_log, case_update, case_transition, letter_transition).
    """
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return []
    recipients = (User.objects.filter(is_active=True, groups__name__in=[r.value for r in CASE_NOTICE_ROLES[kind]])
                  .exclude(pk=by.pk if by else None).distinct().order_by("pk")
                  .prefetch_related("groups"))  # their roles, for the visibility check, in one query
    link = emails.site_link(case.get_absolute_url())
    email = CASE_NOTICE_EMAILS[kind](reference=case.reference, link=link)
    sent = []
    for user in recipients:
        if _may_see_case(user, case):
            sent.append(notification_queue(recipient=user, kind=kind, email=email, case_reference=case.reference,
                                           link=link, at_once=kind in ALWAYS_AT_ONCE))
    return sent


def case_notify_after_commit(*, case: Case, kind: str, by: User | None = None) -> None:
    """Register `case_notify` to run once the current write commits: nothing is said of a write
    that is rolled back."""
    transaction.on_commit(lambda: case_notify(case_id=case.pk, kind=kind, by=by))


def notification_deliver(*, notification_id: int) -> None:
    """Send one outbox e-mail. Writes: attempts + 1; on success state "sent" and the time (and the
    same for the notifications a digest carries). A failure raises so the task retries; an e-mail
    that was sent already is not sent again. A recipient without an e-mail address is no failure
    that a retry could mend: recorded as failed at once (see notification_failed). Called only by
    the task."""
    from django.core.mail import EmailMessage

    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.state == Notification.State.SENT:
        return
    Notification.objects.filter(pk=notification_id).update(attempts=F("attempts") + 1)
    if not notification.recipient.email:
        notification_failed(notification_id=notification_id,
                            error=f"{notification.recipient.display_name} has no e-mail address")
        return
    EmailMessage(subject=notification.subject, body=notification.body,
                 to=[notification.recipient.email]).send()
    done = {"state": Notification.State.SENT, "sent_at": timezone.now(), "error": ""}
    with transaction.atomic():
        Notification.objects.filter(pk=notification_id).update(**done)
        Notification.objects.filter(included_in=notification_id).update(**done)


def notification_failed(*, notification_id: int, error: str) -> None:
    """Record that an e-mail could not be sent after the retries. Writes: state "failed" and the
    error (also on what a digest carried). Called only by the task."""
    failed = {"state": Notification.State.FAILED, "error": error[:500]}
    with transaction.atomic():
        Notification.objects.filter(pk=notification_id).exclude(state=Notification.State.SENT).update(**failed)
        Notification.objects.filter(included_in=notification_id).exclude(
            state=Notification.State.SENT).update(**failed)


@transaction.atomic
def digests_send(*, today: datetime.date) -> list[Notification]:
    """Gather each person's held notifications into one digest e-mail and send it.

    Writes: a digest Notification per person with anything held; the held ones point to it (and
    become "sent" when it is). Queues `send_notification` after commit. Called by the daily job.
    """
    held = (Notification.objects.select_for_update()
            .filter(digest=True, state=Notification.State.QUEUED, included_in__isnull=True)
            .exclude(kind=NotificationKind.DIGEST).order_by("recipient_id", "created_at", "pk"))
    by_recipient: dict[int, list[Notification]] = {}
    for item in held:
        by_recipient.setdefault(item.recipient_id, []).append(item)
    digests = []
    for recipient_id, items in by_recipient.items():
        email = emails.digest(lines=[(item.subject, item.link) for item in items], on=today)
        digest = Notification.objects.create(
            recipient_id=recipient_id, kind=NotificationKind.DIGEST, subject=email.subject[:200], body=email.body,
            link=emails.site_link("/"),
        )
        Notification.objects.filter(pk__in=[item.pk for item in items]).update(included_in=digest)
        _send_after_commit(digest.pk)
        digests.append(digest)
    return digests


@dataclass(frozen=True)
class PlannedReminder:
    recipient: User
    deadline: "reminders.Deadline"
    key: str

    def __str__(self) -> str:
        about = f" {self.deadline.case.reference}" if self.deadline.case else ""
        return (f"{self.recipient.username}: {self.deadline.title}{about} "
                f"(due {self.deadline.due_on:%d %b %Y})")


def reminders_due(*, school: School, today: datetime.date) -> list[PlannedReminder]:
    """The reminders the daily job would send today: each deadline's current stage, to each of its
    recipients who may see its case, unless already sent to them. Reads only."""
    planned = []
    for deadline in reminders.deadlines(school=school, today=today):
        stage = deadline.stage_on(today)
        if stage is None:
            continue
        key = f"{deadline.key}:{stage.isoformat()}"
        recipients = [user for user in deadline.recipients
                      if deadline.case is None or _may_see_case(user, deadline.case)]
        already = set(Notification.objects.filter(key=key, recipient__in=recipients)
                      .values_list("recipient_id", flat=True))
        planned += [PlannedReminder(recipient=user, deadline=deadline, key=key)
                    for user in recipients if user.pk not in already]
    return planned


@transaction.atomic
def reminders_send(*, school: School, today: datetime.date) -> list[Notification]:
    """Send today's reminders (see reminders_due), each once per event stage and person however
    often the job runs: the outbox's unique (key, recipient) refuses a second one.

    Writes: one Notification per reminder (held for a digest, or sent after commit). Called by the
    daily job.
    """
    sent = []
    for plan in reminders_due(school=school, today=today):
        deadline = plan.deadline
        reference = deadline.case.reference if deadline.case else ""
        link = emails.site_link(deadline.link_path)
        notification = notification_queue(
            recipient=plan.recipient, kind=NotificationKind.REMINDER, key=plan.key, link=link,
            case_reference=reference,
            email=emails.reminder(title=deadline.title, due_on=deadline.due_on, reference=reference, link=link),
        )
        if notification is not None:
            sent.append(notification)
    return sent


@dataclass(frozen=True)
class DailyRun:
    reminders: list
    digests: list


def daily_job(*, today: datetime.date, dry_run: bool = False) -> DailyRun:
    """The daily job: today's reminders, then the digests (which carry the reminders of people who
    chose a digest). With `dry_run`, reports what would be sent and writes nothing.

    Run by Celery beat (tasks.daily_reminders) and by `manage.py send_reminders`.
    """
    from policies.models import School as SchoolModel

    school = SchoolModel.objects.order_by("pk").first()
    if school is None:
        return DailyRun(reminders=[], digests=[])
    if dry_run:
        held = (Notification.objects.filter(digest=True, state=Notification.State.QUEUED, included_in__isnull=True)
                .values_list("recipient__username", flat=True).distinct())
        return DailyRun(reminders=reminders_due(school=school, today=today), digests=sorted(held))
    sent = reminders_send(school=school, today=today)
    return DailyRun(reminders=sent, digests=digests_send(today=today))


@transaction.atomic
def user_set_notification_mode(*, user: User, mode: str) -> User:
    """A person's own choice: e-mails at once, or one daily digest. Writes: User.notification_mode."""
    user.notification_mode = User.NotificationMode(mode)
    user.save(update_fields=["notification_mode"])
    return user
