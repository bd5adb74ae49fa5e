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
from policies.selectors import policy_version_in_force

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
    case_notify_after_commit(case=case, kind=Notification.Kind.CONCERN_LOGGED, by=by)
    if safeguarding:
        case_notify_after_commit(case=case, kind=Notification.Kind.SAFEGUARDING, by=by)
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
        # A statement has a date, not a time: place it at noon, or now if given today.
        at=timezone.now() if given_on == timezone.localdate()
        else timezone.make_aware(datetime.datetime.combine(given_on, datetime.time(12))),
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
            from incidents.tasks import send_letter_email

            transaction.on_commit(lambda: send_letter_email.delay(locked.pk))
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
        from incidents.tasks import render_letter_pdf

        transaction.on_commit(lambda: render_letter_pdf.delay(locked.pk))
    letter.refresh_from_db()
    return letter


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
        locked.sha256 = letter_pdf.sha256_of(data)
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


def _send_after_commit(notification_id: int) -> None:
    from incidents.tasks import send_notification

    transaction.on_commit(lambda: send_notification.delay(notification_id))


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
    try:
        with transaction.atomic():
            notification = Notification.objects.create(**fields)
    except IntegrityError:
        if key is None:
            raise
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
                  .exclude(pk=by.pk if by else None).distinct().order_by("pk"))
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
    that was sent already is not sent again. Called only by the task."""
    from django.core.mail import EmailMessage

    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.state == Notification.State.SENT:
        return
    Notification.objects.filter(pk=notification_id).update(attempts=F("attempts") + 1)
    if not notification.recipient.email:
        raise ValueError(f"{notification.recipient.username} has no e-mail address")
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
