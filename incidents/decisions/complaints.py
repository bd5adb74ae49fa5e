"""A parent's complaint about how a case was handled, and the governors' panel that hears it.

One table (COMPLAINT_MOVES): received → referred to a panel → decided."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.access.permissions import require_case_worker, require_head
from incidents.cases.timeline import case_event_record
from incidents.models import (
    Case,
    CaseEvent,
    Complaint,
    User,
)
from incidents.roles import Role
from incidents.transitions import IllegalTransition

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
    require_case_worker(by, case, "record a complaint")
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
    require_head(by, "refer a case to governors")
    governors = list(governors)
    if not governors or any(not g.has_role(Role.GOVERNOR) for g in governors):
        raise ValidationError("Choose one or more governors for the panel.")
    _complaint_move(complaint, Complaint.State.REFERRED)
    complaint.state, complaint.referred_on = Complaint.State.REFERRED, on
    complaint.save()
    complaint.panel.set(governors)
    complaint.case.governors.add(*governors)
    case_event_record(case=complaint.case, kind=CaseEvent.Kind.REFERRAL, actor=by,
                      summary=f"Referred to a governors' panel: {', '.join(g.display_name for g in governors)}",
                      data={"complaint": complaint.pk})
    return complaint


@transaction.atomic
def complaint_outcome_record(
    *, complaint: Complaint, by: User, outcome: str, reasons: str, on: datetime.date
) -> Complaint:
    """Record the governors' panel's outcome and reasons (the clerk, a lead or the Head records it).

    Writes: Complaint outcome, an event.
    """
    require_case_worker(by, complaint.case, "record the panel's outcome")
    if not reasons.strip():
        raise ValidationError("Record the panel's reasons.")
    _complaint_move(complaint, Complaint.State.DECIDED)
    complaint.state = Complaint.State.DECIDED
    complaint.outcome, complaint.outcome_reasons, complaint.outcome_on = outcome, reasons.strip(), on
    complaint.save()
    case_event_record(case=complaint.case, kind=CaseEvent.Kind.REFERRAL, actor=by,
                      summary=f"Governors' panel: {complaint.get_outcome_display()}", data={"complaint": complaint.pk})
    return complaint
