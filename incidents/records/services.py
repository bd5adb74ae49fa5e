"""Records and data protection: subject access requests (answered within one calendar month) and
the disposal of a closed case once the school's retention period has ended."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.cases.timeline import case_event_record
from incidents.models import (
    Case,
    CaseEvent,
    CaseTombstone,
    Parent,
    SubjectAccessRequest,
    User,
)
from incidents.models.privacy import one_calendar_month_after
from incidents.records.retention import case_purge_content
from incidents.records.selectors import disposal_due_on
from incidents.roles import Role


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
def subject_access_export_record(
    *, access_request: SubjectAccessRequest, by: User, disclosed: bool, reason: str = ""
) -> None:
    """Note on each case about the parent that an export of it was produced, by whom, and whether
    the Head Teacher chose to disclose other people's personal data, with the reason.

    Head Teacher only (refused otherwise); a disclosure without a reason is refused. Writes: one
    event per case (the case timeline is the audit).
    """
    if not by.has_role(Role.HEAD):
        raise PermissionDenied("Only the Head Teacher answers subject access requests.")
    reason = reason.strip()
    if disclosed and not reason:
        raise ValidationError("Give the reason for disclosing other people's personal data.")
    how = (f" (other people's data disclosed by the Head Teacher: {reason})"[:200] if disclosed
           else " (other people's data withheld)")
    for case in Case.objects.filter(parents=access_request.parent):
        case_event_record(
            case=case, kind=CaseEvent.Kind.NOTE, actor=by,
            summary="Included in a subject access export" + how,
            data={"subject_access_request": access_request.pk, "disclosed": disclosed, "reason": reason},
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
