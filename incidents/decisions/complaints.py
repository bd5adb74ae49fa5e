"""A parent's complaint about how a case was handled, and the governors' panel that hears it.

One table (COMPLAINT_MOVES): received → referred to a panel → decided. The panel records its own
outcome in the app: each member records it, or confirms what another recorded; it is decided when all
agree. The Head Teacher, whose handling is contested, cannot record or change it."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents.access.permissions import require_case_worker, require_head
from incidents.cases.timeline import case_event_record
from incidents.models import (
    Case,
    CaseEvent,
    Complaint,
    PanelConfirmation,
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
    # The Head Teacher's handling is what is contested: never on the panel, whatever roles they hold.
    if not governors or any(not g.has_role(Role.GOVERNOR) or g.has_role(Role.HEAD) for g in governors):
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


def panel_member_check(*, complaint: Complaint, by: User) -> None:
    """Only a governor on this complaint's panel records its outcome: never the Head Teacher, whose
    handling the parent contests, nor anyone else who worked on the case."""
    if by.has_role(Role.HEAD) or not by.has_role(Role.GOVERNOR) or not complaint.panel.filter(pk=by.pk).exists():
        raise PermissionDenied("Only the governors on the panel can record its outcome.")


def panel_agreed_outcome(complaint: Complaint) -> tuple[str, str] | None:
    """The outcome and reasons every member of the panel has recorded as their latest, or None while
    any member has recorded nothing or something different."""
    latest: dict[int, tuple[str, str]] = {}
    for record in complaint.panel_records.order_by("recorded_at", "id"):
        latest[record.member_id] = (record.outcome, record.reasons)
    members = set(complaint.panel.values_list("pk", flat=True))
    if not members or set(latest) != members or len(set(latest.values())) != 1:
        return None
    return next(iter(latest.values()))


@transaction.atomic
def complaint_outcome_record(
    *, complaint: Complaint, by: User, outcome: str, reasons: str, on: datetime.date
) -> Complaint:
    """A member of the governors' panel records its outcome and reasons, or confirms what another
    member recorded (the same outcome and reasons). Panel members only (panel_member_check).

    Writes: a PanelConfirmation (never changed afterwards), an event. When every member's latest
    record agrees, the complaint is decided: its outcome, reasons and date, and a second event.
    """
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    panel_member_check(complaint=complaint, by=by)
    if complaint.state != Complaint.State.REFERRED:
        _complaint_move(complaint, Complaint.State.DECIDED)
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError("Record the panel's reasons.")
    if outcome not in Complaint.Outcome.values:
        raise ValidationError("Choose the panel's outcome.")
    agreed_before = complaint.panel_records.filter(outcome=outcome, reasons=reasons).exists()
    PanelConfirmation.objects.create(complaint=complaint, member=by, outcome=outcome, reasons=reasons, on=on)
    label = Complaint.Outcome(outcome).label
    case_event_record(case=complaint.case, kind=CaseEvent.Kind.REFERRAL, actor=by,
                      summary=f"Governors' panel: {by.display_name} "
                              f"{'confirmed' if agreed_before else 'recorded'} “{label}”",
                      data={"complaint": complaint.pk})
    if panel_agreed_outcome(complaint) is not None:
        _complaint_move(complaint, Complaint.State.DECIDED)
        complaint.state = Complaint.State.DECIDED
        complaint.outcome, complaint.outcome_reasons, complaint.outcome_on = outcome, reasons, on
        complaint.save()
        case_event_record(case=complaint.case, kind=CaseEvent.Kind.REFERRAL, actor=by,
                          summary=f"Governors' panel: {label}", data={"complaint": complaint.pk})
    return complaint
