"""Chats exported from WhatsApp: reading an export into messages and media, choosing the date order
when the file cannot tell, rebuilding after a parser change, and marking messages that breach a clause.

The export itself is kept unaltered as evidence (evidence.services.evidence_add); the messages are read
from it and can always be read again."""

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from incidents.cases.timeline import case_event_record
from incidents.chats import archive as chat_archive
from incidents.chats import parser as chat_parser
from incidents.evidence import uploads
from incidents.evidence.services import evidence_add
from incidents.models import (
    Case,
    CaseEvent,
    ChatImport,
    ChatMark,
    ChatMedia,
    ChatMessage,
    Evidence,
    User,
)
from policies.models import Clause

# The parser's own source, digested: changes whenever the parser does, with nobody to forget a bump.
CHAT_PARSER_VERSION = hashlib.sha256(Path(chat_parser.__file__).read_bytes()).hexdigest()[:12]


_CHAT_TEXT = uploads.Identified("text/plain", "Exported chat (.txt)", "txt")
_CHAT_ZIP = uploads.Identified("application/zip", *uploads.ALLOWED_TYPES["application/zip"])


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
    # A zip read as a chat has been through every archive check (and unpacked) already.
    identified = None
    if not not_a_chat:
        identified = _CHAT_ZIP if file_name.lower().endswith(".zip") else _CHAT_TEXT
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
def chat_import_rebuild(*, chat_import: ChatImport, by: User | None = None) -> ChatImport:
    """Read the stored original again and recreate the messages (after a parser change, or repair).

    Checks the stored file's SHA-256 first and raises ChatEvidenceChanged if it differs. Writes:
    deletes and recreates ChatMessage rows, the import's details, an event. Marks are untouched:
    they find their messages again by key. Leads and the Head may call; so may a maintenance command.
    """
    locked = ChatImport.objects.select_for_update().select_related("evidence__case").get(pk=chat_import.pk)
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
