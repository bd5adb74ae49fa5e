"""Information gathered: files kept as evidence exactly as received (checked by name, size and
content, with their SHA-256), typed statements, and conversations with those involved."""

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from incidents.cases.services import case_search_document_refresh
from incidents.cases.timeline import case_event_record
from incidents.evidence import uploads
from incidents.models import (
    Case,
    CaseEvent,
    Contact,
    Evidence,
    Parent,
    Statement,
    User,
)


def evidence_file_check(*, case: Case, data: bytes, file_name: str) -> uploads.Identified:
    """Check a file as evidence_add does (name, size, type by content agreeing with the name, any zip
    as an archive) without keeping it: a form with several files checks them all before writing one.
    Raises ValidationError with a plain message. No writes."""
    uploads.check_file_name(file_name)
    uploads.check_size(len(data), max_mb=case.school.evidence_max_mb)
    return uploads.identify(data, name=file_name)


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

    Checks the name, the size against the school's limit, and the type by content, which must agree
    with the name (see evidence.uploads; any zip also as an archive), unless the caller has already
    established it (`identified`: a chat export that was read as one). Writes: the file to private
    storage (last, after every check), Evidence, an event. Raises ValidationError with a plain
    message and keeps nothing when a check fails.
    """
    display_name = uploads.check_file_name(file_name)
    uploads.check_size(len(data), max_mb=case.school.evidence_max_mb)
    kind = identified or uploads.identify(data, name=display_name)
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
