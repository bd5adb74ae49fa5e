"""A letter's whole life: drafted from a template and the case, changed, approved by the Head Teacher,
its PDF rendered on the worker, issued (by hand, post or e-mail), acknowledged, replaced by a new version.

One table (LETTER_MOVES) says which moves a letter may make and who may make them; letter_transition
makes every move. An issued letter is a snapshot: its HTML, PDF and SHA-256 never change."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from incidents.cases.timeline import case_event_record
from incidents.evidence import uploads
from incidents.letters import context as letter_context_module
from incidents.letters import pdf as letter_pdf
from incidents.letters import steps as letter_steps
from incidents.letters import tasks
from incidents.models import (
    Case,
    CaseEvent,
    Letter,
    Notification,
    Parent,
    User,
)
from incidents.notifications.services import case_notify_after_commit, letter_email_queue
from incidents.parents import links as parent_links
from incidents.queue import enqueue
from incidents.roles import Role
from incidents.transitions import IllegalTransition
from policies import pdf
from policies.models import LetterTemplate
from policies.templating import LETTER_VARIABLES, empty_variables, render_letter_template

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


# What a letter page says is missing when a variable that is not a typed part is empty.
_MISSING_LABELS = {
    "clauses_breached": "The clauses breached (record them on the case or the recommendation)",
    "incident_date": "The date of the incident (record it on the case)",
    "quoted_messages": "The marked chat messages (mark them on the chat)",
    "child_names": "The parent's children (record them on the parent)",
}


# An address block's lines, not sentences: a letter handed over or e-mailed may have none.
_ADDRESS_LINES = {"recipient.address", "recipient.postcode", "parent.address", "parent.postcode"}


def _missing_label(name: str) -> str:
    part = letter_context_module.PARTS_BY_NAME.get(name)
    if part is not None:
        return part.label
    return _MISSING_LABELS.get(name) or f"{LETTER_VARIABLES.get(name, name).rstrip('.')} ({name})"


def _letter_render_html(letter: Letter) -> None:
    """Fill in subject and body from the template version, with typed parts as data (autoescaped),
    and list the parts the template prints that are still empty (Letter.missing_parts)."""
    context = letter_context_module.letter_context(
        case=letter.case, parent=letter.parent, parts=letter.parts, today=timezone.localdate(),
        recipient={"full_name": letter.recipient_name, "salutation": letter.recipient_salutation,
                   "address": letter.recipient_address, "postcode": letter.recipient_postcode},
    )
    version = letter.template_version
    empty = [name for name in empty_variables(version.subject, context) + empty_variables(version.body, context)
             if name not in _ADDRESS_LINES]
    letter.missing_parts = list(dict.fromkeys(_missing_label(name) for name in empty))
    # A draft is shown with its holes so the author sees them; it goes no further until they are filled.
    letter.subject = render_letter_template(version.subject, context).strip()[:300]
    letter.html = render_letter_template(version.body, context)


def letter_file_stem(*, case: Case, purpose: str) -> str:
    """The PDF's name without its version: reference and kind, numbered from the second of that kind."""
    base = f"{case.reference}-{purpose.replace('_', '-')}"
    earlier = Letter.objects.filter(case=case, purpose=purpose, previous__isnull=True).count()
    return base if earlier == 0 else f"{base}-{earlier + 1}"


def _missing_message(letter: Letter) -> str:
    return "Fill in what the letter still needs: " + "; ".join(letter.missing_parts) + "."


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
    when a parent, else the case's first parent). `step` (a Decision, Sanction or SanctionStep of
    the case) is the step the letter belongs to: it decides the purpose, and what it recorded fills
    the letter's parts, overriding anything typed. A step has one letter: a second is refused (the
    first is changed, or replaced by a new version).
    Writes: Letter (draft, rendered HTML), a "drafted" event. Staff who may work on the case call it.
    """
    recorded: dict[str, str] = {}
    if step is not None:
        purpose = letter_steps.step_letter_purpose(step)
        if not purpose:
            raise ValidationError("This step needs no letter.")
        letter_steps.letter_step_check_new(step)
        recorded = letter_steps.recorded_parts(step)
        step_label = step_label or letter_steps.step_label(step)
    template = LetterTemplate.objects.filter(school=case.school, purpose=purpose).first()
    version = template.current_version if template else None
    if template is None or version is None:
        raise ValidationError(f"The school has no letter template for “{LetterTemplate.Purpose(purpose).label}”.")
    details = _letter_recipient(case=case, recipient=recipient, details=recipient_details)
    if parent is None:
        parent = recipient or case.parents.order_by("pk").first()
    elif not case.parents.filter(pk=parent.pk).exists():
        raise ValidationError("The letter must be about one of the parents concerned in this case.")
    letter = Letter(case=case, template_version=version, purpose=purpose, parent=parent, created_by=by,
                    parts={**letter_context_module.default_parts(case), **_clean_parts(parts), **recorded},
                    step_label=step_label[:200], file_stem=letter_file_stem(case=case, purpose=purpose))
    if step is not None:
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

    Writes: Letter (HTML re-rendered, any earlier PDF marked as needing preparing again). The parts
    its step recorded stay as recorded, whatever is passed. Refuses anything but a draft: an
    approved letter is sent back first, an issued one gets a new version.
    """
    locked = Letter.objects.select_for_update().get(pk=letter.pk)
    if locked.status != LetterStatus.DRAFT:
        raise ValidationError("Only a draft can be changed. An issued letter needs a new version.")
    details = _letter_recipient(case=locked.case, recipient=recipient, details=recipient_details)
    _apply_recipient(locked, recipient=recipient, details=details)
    if recipient is not None:
        locked.parent = recipient
    locked.parts = {**_clean_parts(parts), **_recorded_parts(locked)}
    _letter_render_html(locked)
    locked.render_state, locked.render_error, locked.sha256 = Letter.RenderState.NONE, "", ""
    locked.save()
    return locked


def _recorded_parts(letter: Letter) -> dict[str, str]:
    step = letter.step
    return letter_steps.recorded_parts(step) if step is not None else {}


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

    Checks the move against LETTER_MOVES and the role allowed to make it. Approving and issuing need
    every part the template prints filled in and the PDF of the letter as it now reads; issuing
    also a method, and the address (post, hand) or e-mail address it needs.
    Writes: Letter status and who/when, a letter event; issuing completes the letter's step
    (steps.letter_step_complete: a warning becomes "issued", a ban step records its letter as sent)
    and, by e-mail, puts the letter's e-mail in the outbox (notifications.services.letter_email_queue),
    sent after commit. Raises IllegalTransition or PermissionDenied with a plain message.
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
        if target in (LetterStatus.APPROVED, LetterStatus.ISSUED):
            _check_complete(locked)
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
        if target == LetterStatus.ISSUED and locked.previous_id is not None:
            parent_links.parent_links_revoke(letters=[locked.previous_id],
                                             reason=f"Replaced by version {locked.version} of the letter")
        if target == LetterStatus.ISSUED and locked.step_id is not None:
            letter_steps.letter_step_complete(letter=locked, by=by)
        if target == LetterStatus.APPROVED:
            case_notify_after_commit(case=locked.case, kind=Notification.Kind.LETTER_APPROVED, by=by)
        if target == LetterStatus.ISSUED and method == Letter.IssueMethod.EMAIL:
            letter_email_queue(letter=locked)
    letter.refresh_from_db()
    return letter


def _check_complete(letter: Letter) -> None:
    if letter.missing_parts:
        raise IllegalTransition(_missing_message(letter))
    if letter.render_state != Letter.RenderState.READY or not letter.pdf:
        raise IllegalTransition("Prepare the PDF first: a letter is approved and issued exactly as its PDF reads.")


def _check_issue(letter: Letter, *, method: str) -> None:
    if method not in Letter.IssueMethod.values:
        raise IllegalTransition("Say how the letter was sent: by e-mail, by post, or handed over.")
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
        parent=letter.parent, parts={**letter.parts, **_recorded_parts(letter)}, created_by=by,
        file_stem=letter.file_stem,
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
        if locked.missing_parts:
            raise ValidationError(_missing_message(locked))
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

    queued = enqueue(tasks.render_letter_pdf, letter_id)
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
    letter; refuses (ValueError) one with empty parts; a PDF of text changed while it was being
    made is not marked ready. Called only by the task.
    """
    letter = Letter.objects.select_related("case__school", "template_version").get(pk=letter_id)
    if letter.is_frozen:
        return letter
    if letter.missing_parts:
        raise ValueError(_missing_message(letter))
    data = pdf.html_to_pdf(letter_pdf.letter_document_html(letter))
    name = letter.pdf.field.generate_filename(letter, "letter.pdf")
    storage = letter.pdf.storage
    if storage.exists(name):
        storage.delete(name)
    stored = storage.save(name, ContentFile(data))
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter_id)
        if locked.is_frozen or (locked.subject, locked.html) != (letter.subject, letter.html):
            return locked  # issued meanwhile, or changed meanwhile: this PDF is not the letter as it reads
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
