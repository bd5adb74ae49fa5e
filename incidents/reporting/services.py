"""Concerns reported online, through the public form at /report/, and the office's handling of them.

A report becomes a Concern on no case, waiting in the office's "Reported online" queue; it never opens
a case by itself. Office staff, leads and the Head then open a case from it or add it to a case
(through cases.services.concern_file, its files kept as evidence through the evidence and chat
services), or record that it is not a concern, with a reason. Every step is on the concern's history
and, once on a case, on the case's timeline."""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from incidents.access import permissions
from incidents.access.visibility import cases_visible_to
from incidents.cases.services import concern_file
from incidents.chats import archive as chat_archive
from incidents.chats import parser as chat_parser
from incidents.chats import services as chat_services
from incidents.evidence import services as evidence_services
from incidents.evidence import uploads
from incidents.models import Case, Concern, Evidence, Parent, ReportedFile, User
from policies.models import School

MAX_FILES = 5
# Receipts are read aloud over the phone: no 0/O, 1/I/L, 5/S, 8/B.
_RECEIPT_LETTERS = "ACDEFGHJKMNPQRTUVWXY234679"


class ReportingClosed(Exception):
    """The school has switched the form off."""


@dataclass(frozen=True)
class SentFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    name: str
    data: bytes
    kind: str
    identified: uploads.Identified


def receipt_make() -> str:
    """A random receipt such as R-7KQM-4TXA: never sequential, never the case reference."""
    letters = "".join(secrets.choice(_RECEIPT_LETTERS) for _ in range(8))
    return f"R-{letters[:4]}-{letters[4:]}"


def _receipt_new() -> str:
    while True:
        receipt = receipt_make()
        if not Concern.objects.filter(receipt=receipt).exists():
            return receipt


_CHAT_TYPES = {
    "zip": uploads.Identified("application/zip", "Exported chat (.zip)", "zip"),
    "txt": uploads.Identified("text/plain", "Exported chat (.txt)", "txt"),
}


def reported_file_check(*, school: School, name: str, data: bytes) -> CheckedFile:
    """Check one sent file as evidence and chats are checked: its name, the school's size limit, its
    type by content agreeing with its name (every zip through the archive checks); a .txt or .zip is
    first read as a chat export (an unsafe or damaged zip is refused). Raises ValidationError with a
    plain message. No writes."""
    display = uploads.check_file_name(name)
    uploads.check_size(len(data), max_mb=school.evidence_max_mb)
    if display.lower().endswith((".txt", ".zip")):
        try:
            upload = chat_archive.read_chat_upload(display, data)
        except chat_archive.ChatUploadError as error:
            raise ValidationError(f"{display}: {error}") from None
        if _reads_as_chat(upload.text):
            return CheckedFile(display, data, ReportedFile.Kind.CHAT, _CHAT_TYPES[display[-3:].lower()])
    try:
        identified = uploads.identify(data, name=display)
    except ValidationError as error:
        raise ValidationError(f"{display}: {' '.join(error.messages)}") from None
    return CheckedFile(display, data, ReportedFile.Kind.FILE, identified)


def _reads_as_chat(text: str) -> bool:
    try:
        chat_parser.parse_chat(text)
    except chat_parser.NotAChatExport:
        return False
    except chat_parser.ChatParseError:
        return True  # a chat whose dates read either way: the office chooses their order later
    return True


@transaction.atomic
def concern_report(
    *,
    school: School,
    description: str,
    channel: str,
    where_detail: str,
    happened_on: datetime.date | None,
    about: str,
    reporter_is: str,
    name: str,
    contact: str,
    anonymous_to_parent: bool,
    files: list[SentFile],
) -> Concern:
    """Record a concern sent through the public form, with its files, for the office to look at.

    Steps: refuse if the school has switched the form off (ReportingClosed); check every file (as
    reported_file_check) before keeping any; write the Concern (source online, on no case, waiting in
    the queue, a new random receipt) and each file to private storage as a ReportedFile. Opens no case
    and sends nothing. Anyone may call it (the view limits how often, per network address)."""
    if not school.online_reporting:
        raise ReportingClosed
    if len(files) > MAX_FILES:
        raise ValidationError(f"Send at most {MAX_FILES} files. You can send more later if the school asks.")
    checked = [reported_file_check(school=school, name=sent.name, data=sent.data) for sent in files]
    concern = Concern.objects.create(
        school=school, received_at=timezone.now(), channel=channel, description=description,
        where_detail=where_detail, happened_on=happened_on, about=about, reporter_is=reporter_is,
        raised_by_name=name, raised_by_contact=contact, raised_anonymously=anonymous_to_parent,
        source=Concern.Source.ONLINE, triage=Concern.Triage.AWAITING, receipt=_receipt_new(),
    )
    for item in checked:
        kept = ReportedFile(concern=concern, original_name=item.name, content_type=item.identified.content_type,
                            size=len(item.data), sha256=uploads.sha256_of(item.data), kind=item.kind)
        kept.file.save(f"{kept.sha256}.{item.identified.extension}", ContentFile(item.data), save=False)
        kept.save()
    return concern


def _awaiting(concern: Concern, by: User) -> Concern:
    if not permissions.can_log_concern(by):
        raise PermissionDenied("Only office staff, leads and the Head deal with concerns reported online.")
    locked = Concern.objects.select_for_update().get(pk=concern.pk)
    if locked.source != Concern.Source.ONLINE or locked.triage != Concern.Triage.AWAITING:
        raise ValidationError("Someone has already dealt with this concern.")
    return locked


def _provided_by(concern: Concern) -> str:
    if concern.raised_anonymously or not concern.raised_by_name:
        return "Reported online"
    return f"{concern.raised_by_name} (reported online)"


def _files_to_evidence(*, concern: Concern, case: Case, by: User) -> None:
    """Keep each sent file as evidence on the case, checked again by the evidence services."""
    for sent in concern.reported_files.select_for_update().filter(evidence__isnull=True):
        with sent.file.open("rb") as handle:
            data = handle.read()
        description = f"Sent with the concern reported online ({concern.receipt})"
        if sent.kind == ReportedFile.Kind.CHAT:
            evidence = chat_services.evidence_add_chat(
                case=case, by=by, data=data, file_name=sent.original_name, provided_by=_provided_by(concern),
                provided_at=concern.received_at, description=description).evidence
        else:
            obtained = (Evidence.Obtained.SCREENSHOT if sent.content_type.startswith("image/")
                        else Evidence.Obtained.DOCUMENT)
            evidence = evidence_services.evidence_add(
                case=case, by=by, data=data, file_name=sent.original_name, provided_by=_provided_by(concern),
                provided_at=concern.received_at, obtained=obtained, description=description)
        sent.evidence = evidence
        sent.save(update_fields=["evidence"])


def _mark_safeguarding(concern: Concern, safeguarding: bool) -> None:
    if safeguarding and not concern.safeguarding:
        concern.safeguarding = True
        concern.save(update_fields=["safeguarding"])


def _triaged(concern: Concern, *, by: User, triage: str, note: str = "") -> None:
    concern.triage = triage
    concern.triaged_by = by
    concern.triaged_at = timezone.now()
    concern.triage_note = note
    concern.save(update_fields=["triage", "triaged_by", "triaged_at", "triage_note"])


@transaction.atomic
def reported_concern_open_case(
    *, concern: Concern, by: User, parents: list[Parent], safeguarding: bool = False,
) -> Case:
    """Open a case from a concern reported online.

    Writes: the case, its events and notifications (cases.services.concern_file); the sent files as
    evidence (evidence_add / evidence_add_chat, each with its event); the concern's triage, who and
    when. Office staff, leads and the Head may call; one of them only, once."""
    concern = _awaiting(concern, by)
    _mark_safeguarding(concern, safeguarding)
    case = concern_file(concern=concern, by=by, parents=parents)
    _files_to_evidence(concern=concern, case=case, by=by)
    _triaged(concern, by=by, triage=Concern.Triage.CASE_OPENED)
    return case


@transaction.atomic
def reported_concern_attach(
    *, concern: Concern, by: User, case: Case, parents: list[Parent], safeguarding: bool = False,
) -> Case:
    """Add a concern reported online to an open case the caller may see.

    Writes: as reported_concern_open_case, on the existing case (concern_file with link_to; a
    safeguarding concern marks the case as safeguarding). Refuses a case outside cases_visible_to(by)
    as if it did not exist."""
    concern = _awaiting(concern, by)
    if not cases_visible_to(by).filter(pk=case.pk).exists():
        raise ValidationError("There is no open case with that reference.")
    _mark_safeguarding(concern, safeguarding)
    concern_file(concern=concern, by=by, parents=parents, link_to=case)
    _files_to_evidence(concern=concern, case=case, by=by)
    _triaged(concern, by=by, triage=Concern.Triage.ATTACHED)
    return case


@transaction.atomic
def reported_concern_dismiss(*, concern: Concern, by: User, reason: str) -> Concern:
    """Record that a concern reported online is not a concern (spam, a mistake, a matter for someone
    else), with the reason. Writes: the concern's triage, reason, who and when (on its history). The
    concern and its files are kept; nothing is deleted. Office staff, leads and the Head may call."""
    if not reason.strip():
        raise ValidationError("Say why this is not a concern.")
    concern = _awaiting(concern, by)
    _triaged(concern, by=by, triage=Concern.Triage.NOT_A_CONCERN, note=reason.strip())
    return concern
