"""Banning a parent from the school site, fairly: the parent is told why and heard before it is final.

A ban moves through sanction_transition like every sanction (provisional → representations →
confirmed, varied or lifted, with reviews); the rules that only a ban has are here: the Head
Teacher's review (with the chair of governors), the ban's terms each step sets, the deadline for
written representations in school days, and recording the representations themselves.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.access.permissions import can_record_review_participation
from incidents.cases.timeline import case_event_record
from incidents.decisions import sanctions
from incidents.decisions.selectors import ban_may_be_confirmed
from incidents.evidence.services import evidence_add, evidence_file_check
from incidents.models import (
    CaseEvent,
    Evidence,
    Representation,
    ReviewParticipation,
    Sanction,
    SanctionStep,
    User,
)
from policies.selectors import school_days_after

State = Sanction.State

# Moves of a ban that are the Head Teacher's review (optionally with the chair of governors).
BAN_REVIEW_STATES = {State.CONFIRMED, State.VARIED, State.LIFTED}


# The ban's terms each step may set; anything else passed in is kept on the step only.
BAN_TERMS_SET_BY: dict[str, tuple[str, ...]] = {
    State.PROVISIONAL: ("reasons", "conditions", "starts_on", "representations_due"),
    State.CONFIRMED: ("ends_on", "review_on"),
    State.VARIED: ("conditions", "ends_on", "review_on"),
}


def ban_step_check(*, ban: Sanction, to: str, details: dict, by: User, on: datetime.date) -> None:
    """The ban's own rules for a step of sanction_transition, which calls it with the ban locked.

    Checks: never confirmed before the representations deadline unless the parent has answered; a
    review date after the step; a representations deadline after the ban starts (counted in the
    school's days when not given). Writes onto `ban` (saved by the caller) the terms this step sets,
    and onto `details` who reviewed it.
    """
    if to in (State.CONFIRMED, State.VARIED) and not ban_may_be_confirmed(ban):
        raise ValidationError(
            f"The parent has until {ban.representations_due:%d %B %Y} to make representations: "
            "the ban cannot be confirmed before then unless they have answered."
        )
    if to in (State.CONFIRMED, State.VARIED) and details["review_on"] <= on:
        raise ValidationError("The review date must be after the date of this step.")
    if to == State.PROVISIONAL:
        details.setdefault("representations_due", school_days_after(
            school=ban.case.school, start=details["starts_on"], days=ban.case.school.representation_school_days))
        if details["representations_due"] <= details["starts_on"]:
            raise ValidationError("The deadline for representations must be after the ban starts.")
    if to in BAN_REVIEW_STATES:
        details["reviewed_by"] = by.display_name + (
            f" with {ban.case.school.chair_of_governors_name or 'the chair of governors'}"
            if details.pop("with_chair", False) else "")
    for term in BAN_TERMS_SET_BY.get(to, ()):
        if term in details:
            setattr(ban, term, details[term])


@transaction.atomic
def representation_record(
    *,
    sanction: Sanction,
    by: User,
    received_on: datetime.date,
    text: str = "",
    files: Iterable[tuple[str, bytes]] = (),
    via: str = "",
) -> Representation:
    """Record the parent's written representations against a provisional ban.

    Writes: each file as Evidence (evidence_add: checked, hashed, kept unaltered; every file is checked
    before the first is kept), Representation,
    and the ban's move provisional → representations received (sanction_transition); further
    representations, while the ban awaits its review, are added without a move. `via` says how they
    came when not through staff (the parent's letter page). Case workers may call.
    """
    files = list(files)
    if not text.strip() and not files:
        raise ValidationError("Record what the parent said, or attach what they sent.")
    for name, data in files:  # all checked before any is kept, so a bad second file leaves no first
        evidence_file_check(case=sanction.case, data=data, file_name=name)
    step_details = {"received_on": received_on, **({"via": via} if via else {})}
    current = Sanction.objects.select_for_update().values_list("state", flat=True).get(pk=sanction.pk)
    if current != State.REPRESENTATIONS:  # the first answer moves the ban on; anything else refuses there
        sanctions.sanction_transition(sanction=sanction, to=State.REPRESENTATIONS, by=by, on=received_on,
                                      details=step_details)
    representation = Representation.objects.create(
        sanction=sanction, received_on=received_on, text=text.strip(), recorded_by=by
    )
    when = timezone.make_aware(datetime.datetime.combine(received_on, datetime.time(12)))
    for name, data in files:
        representation.files.add(evidence_add(
            case=sanction.case, by=by, data=data, file_name=name, provided_by="The parent (representations"
                    + (f", {via})" if via else ")"),
            provided_at=when, obtained=Evidence.Obtained.DOCUMENT, description="Representations against the ban",
        ))
    return representation


@transaction.atomic
def ban_review_participation_record(*, step: SanctionStep, by: User, note: str = "") -> ReviewParticipation:
    """The chair of governors records, in their own name, that they took part in this review of a ban
    (a confirmation, variation or lifting). The chair of governors only; once per review.

    Writes: ReviewParticipation, an event on the case's timeline.
    """
    if not can_record_review_participation(by, step):
        raise PermissionDenied("Only the chair of governors records taking part in a review of a ban.")
    if step.participations.filter(user=by).exists():
        raise ValidationError("You have already recorded that you took part in this review.")
    participation = ReviewParticipation.objects.create(step=step, user=by, note=note.strip())
    case_event_record(
        case=step.sanction.case, kind=CaseEvent.Kind.SANCTION, actor=by,
        summary=f"The chair of governors, {by.display_name}, took part in the review of "
                f"{step.on:%d %B %Y} ({step.get_to_state_display()})",
        data={"sanction": step.sanction_id, "step": step.pk},
    )
    return participation
