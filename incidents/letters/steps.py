"""The step of a case a letter belongs to, and the parts of the letter that step recorded.

A letter is drafted from a step: the Head Teacher's decision (no further action), a warning still to
be given (the sanction itself), or a recorded step of a sanction (a provisional ban, a review, an
invitation to meet, a request to the group's moderators). What the step recorded goes into the
letter exactly as recorded and is never typed again: to change a date, record it on the step (or a
new step). Issuing the letter completes its step (`letter_step_complete`).
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model

from incidents.access.permissions import can_work_on_case
from incidents.decisions import sanctions
from incidents.decisions.ban import BAN_TERMS_SET_BY
from incidents.models import Case, Decision, Letter, Sanction, SanctionStep, User
from policies.models import LetterTemplate

Purpose = LetterTemplate.Purpose
State = Sanction.State

Step = Decision | Sanction | SanctionStep

# How a step is named in a link (`?step=sanction-12`): kind → model.
STEP_KINDS: dict[str, type[Model]] = {"decision": Decision, "sanction": Sanction, "step": SanctionStep}


def step_token(step: Step) -> str:
    kind = {Decision: "decision", Sanction: "sanction", SanctionStep: "step"}[type(step)]
    return f"{kind}-{step.pk}"


def step_for_token(case: Case, token: str) -> Step:
    """The step of this case named by `token`; a plain error for anything else (another case's step too)."""
    kind, _, pk = (token or "").partition("-")
    if kind not in STEP_KINDS or not pk.isdigit():
        raise ValidationError("That step is not one of this case's.")
    found: Step | None
    if kind == "decision":
        found = Decision.objects.filter(case=case, pk=pk).first()
    elif kind == "sanction":
        found = Sanction.objects.select_related("decision", "response_type").filter(case=case, pk=pk).first()
    else:
        found = SanctionStep.objects.select_related("sanction__decision", "sanction__response_type").filter(
            sanction__case=case, pk=pk).first()
    if found is None:
        raise ValidationError("That step is not one of this case's.")
    return found


def step_letter_purpose(step: Step) -> str:
    """The letter this step needs ("" for none). A warning's letter is asked for while it is still to be given."""
    if isinstance(step, Decision):
        return step.letter_purpose
    if isinstance(step, Sanction):
        return Purpose.WARNING if step.kind == Sanction.Kind.WARNING and step.state == State.PENDING else ""
    return step.letter_purpose


def step_label(step: Step) -> str:
    """The step as the letter page names it."""
    if isinstance(step, Decision):
        return f"Decision of {step.decided_at:%-d %B %Y}"
    if isinstance(step, Sanction):
        return f"{step.response_type.name}, decided {step.decision.decided_at:%-d %B %Y}"
    return f"{step.sanction.response_type.name}: {step.get_to_state_display()} on {step.on:%-d %B %Y}"


def step_letters(step: Step):
    """The letters drafted from this step, newest first."""
    return Letter.objects.filter(step_type=ContentType.objects.get_for_model(step), step_id=step.pk)


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value) if value else None


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _ban_terms(step: SanctionStep) -> tuple[dict, dict]:
    """The ban's terms just before this step and just after it, from the steps recorded up to it."""
    before: dict = {}
    after: dict = {}
    for earlier in step.sanction.steps.order_by("on", "id"):
        before = dict(after)
        for term in BAN_TERMS_SET_BY.get(earlier.to_state, ()):
            if earlier.details.get(term):
                after[term] = earlier.details[term]
        if earlier.pk == step.pk:
            break
    return before, after


def _ban_changes(before: dict, after: dict) -> str:
    lines = []
    old_end, new_end = _date(before.get("ends_on")), _date(after.get("ends_on"))
    if new_end and new_end != old_end:
        lines.append(f"The ban now ends on {_long(new_end)}"
                     + (f" (it was to end on {_long(old_end)})." if old_end else "."))
    if after.get("conditions") and after.get("conditions") != before.get("conditions"):
        lines.append(f"The arrangements are now: {after['conditions'].strip()}")
    old_review, new_review = _date(before.get("review_on")), _date(after.get("review_on"))
    if new_review and new_review != old_review:
        lines.append(f"It will next be reviewed on {_long(new_review)}.")
    return "\n".join(lines)


def _ban_step_parts(step: SanctionStep) -> dict[str, str]:
    before, after = _ban_terms(step)
    parts = {"ban_start": after.get("starts_on", ""), "child_arrangements": after.get("conditions", "")}
    if step.to_state == State.PROVISIONAL:
        parts.update(representations_deadline=after.get("representations_due", ""),
                     decision_reasons=after.get("reasons", ""))
    elif step.to_state in (State.CONFIRMED, State.VARIED):
        ends_on = _date(after.get("ends_on"))
        parts.update(ban_length=f"until {_long(ends_on)}" if ends_on else "",
                     ban_review_on=after.get("review_on", ""), effective_on=step.on.isoformat())
        if step.to_state == State.CONFIRMED:
            parts["decision_reasons"] = after.get("reasons", "")
        else:
            parts.update(ban_changes=_ban_changes(before, after), decision_reasons=step.details.get("reasons", ""))
    elif step.to_state == State.LIFTED:
        parts.update(decision_reasons=step.details.get("reasons", ""), effective_on=step.on.isoformat())
    return parts


def recorded_parts(step: Step) -> dict[str, str]:
    """The letter's parts this step recorded, as text (dates in ISO form), leaving out what it did not record.

    These are copied into the letter when it is drafted and shown read-only: they change only by
    recording the step again.
    """
    parts: dict[str, str]
    if isinstance(step, Decision):
        parts = {"decision_reasons": step.reasons}
    elif isinstance(step, Sanction):
        parts = {"decision_reasons": step.decision.reasons}
    elif step.sanction.kind == Sanction.Kind.BAN:
        parts = _ban_step_parts(step)
    else:
        details = step.details
        parts = {"meeting_place": details.get("meeting_place", ""), "group_name": details.get("group", "")}
        if details.get("meeting_on") and details.get("meeting_time"):
            parts["meeting_at"] = f"{details['meeting_on']}T{details['meeting_time']}"
    return {name: str(value).strip() for name, value in parts.items() if value and str(value).strip()}


def letter_step_check_new(step: Step) -> None:
    """Refuse a second letter for a step: the one there is changed, or replaced by a new version."""
    existing = step_letters(step).filter(next_version__isnull=True).first()
    if existing is None:
        return
    if existing.is_frozen:
        raise ValidationError(f"This step's letter (v{existing.version}) has been issued: "
                              "prepare a new version of it to change it.")
    raise ValidationError(f"This step already has a letter (v{existing.version}, "
                          f"{existing.get_status_display().lower()}): change that one.")


def letter_step_complete(*, letter: Letter, by: User) -> None:
    """Complete the step an issued letter belongs to. Called by letter_transition when a letter is issued.

    Writes: a warning still to be given moves to "issued" (sanction_transition, dated the day the
    letter went out, with its letter recorded as sent); a sanction step records the day its letter
    went out. A decision's letter needs nothing more: the issued letter linked to it is the record.
    """
    step = letter.step
    sent_on = letter.issued_on
    if isinstance(step, Sanction):
        issued: SanctionStep | None
        if step.state == State.PENDING:
            # Office staff may send an approved letter on a case they are not assigned to: the warning
            # is then given on the authority of the Head Teacher who approved it.
            actor = by if can_work_on_case(by, letter.case) or letter.approved_by is None else letter.approved_by
            issued = sanctions.sanction_transition(sanction=step, to=State.ISSUED, by=actor, on=sent_on)
        else:
            issued = step.steps.filter(to_state=State.ISSUED).order_by("-on", "-id").first()
        if issued is not None and issued.letter_sent_on is None:
            SanctionStep.objects.filter(pk=issued.pk).update(letter_sent_on=sent_on)
    elif isinstance(step, SanctionStep) and step.letter_sent_on is None:
        SanctionStep.objects.filter(pk=step.pk).update(letter_sent_on=sent_on)
