"""What the case page opens on: a summary of where the case stands (its status, the response in force
and its next date, the lead, the flags) and the one thing the signed-in person should do next.

The next action is read from the workflow's own tables (cases.services.ALLOWED_MOVES and
MOVES_MADE_BY_STEP for the case; the sanction moves the decision section already worked out) and the
person's permissions, so the page's button and the rules cannot disagree. Nothing here writes."""

import datetime
from dataclasses import dataclass, field

from django.urls import reverse

from incidents.access import permissions
from incidents.cases.services import ALLOWED_MOVES, MOVES_MADE_BY_STEP
from incidents.models import Case, Letter, Sanction, User
from incidents.roles import Role

Status = Case.Status
State = Sanction.State

# A sanction in one of these states is over: it is no longer the response in force.
_SANCTION_OVER = {State.LIFTED, State.WITHDRAWN, State.OUTCOME_RECORDED, State.RESULT_RECORDED,
                  State.HELD, State.DECLINED, State.DID_NOT_ATTEND, State.ADVICE_SOUGHT}


@dataclass(frozen=True)
class NextAction:
    """One button: a link (GET) or a form posting `fields` to `url`."""

    label: str
    url: str
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseInForce:
    name: str
    state: str
    next_date: datetime.date | None
    next_date_label: str


def _forward_moves(status: str) -> list[str]:
    """The case's moves onward from `status`, in the order of the process; closing and going back
    (reopening, returning a case to investigation) are never the suggested next step."""
    order = list(Status.values)
    return sorted((to for to in ALLOWED_MOVES[status] if to != Status.CLOSED and order.index(to) > order.index(status)),
                  key=order.index)


def _letter_wanted(state: dict | None) -> bool:
    return state is not None and not state.get("letter") and not state.get("sent_on")


def _prepare(case: Case, state: dict) -> NextAction:
    return NextAction("Prepare the letter", reverse("incidents:letter_create", args=[case.reference])
                      + f"?step={state['token']}")


def _sanction_action(user: User, case: Case, decisions: dict) -> NextAction | None:
    """The next thing a decided case's responses wait for: a letter to prepare, then a step."""
    if not permissions.can_prepare_letter(user, case):
        return None
    for _decision, letter_state, next_steps in decisions.get("decision_rows", []):
        for state in [letter_state, *[step for step in next_steps if step.get("token")]]:
            if _letter_wanted(state):
                return _prepare(case, state)
    for row in decisions.get("sanction_rows", []):
        for _step, state in row["steps"]:
            if _letter_wanted(state):
                return _prepare(case, state)
    for row in decisions.get("sanction_rows", []):
        sanction, actions = row["sanction"], dict(row["actions"])
        if sanction.state == State.PROVISIONAL and State.REPRESENTATIONS in actions:
            return NextAction("Record representations", reverse(
                "incidents:sanction_step", args=[case.reference, sanction.pk, State.REPRESENTATIONS]))
        if sanction.state == State.REPRESENTATIONS and actions:
            return NextAction("Review the ban", reverse(
                "incidents:sanction_step", args=[case.reference, sanction.pk, next(iter(actions))]))
        if sanction.state == State.PENDING and actions:
            to, label = row["actions"][0]
            return NextAction(label, reverse("incidents:sanction_step", args=[case.reference, sanction.pk, to]))
    return None


def _letter_action(user: User, letters: list[Letter]) -> NextAction | None:
    """A letter prepared but not yet out: the Head Teacher approves it; then it is issued."""
    for letter in letters:
        ready = letter.render_state == Letter.RenderState.READY
        if letter.status == Letter.Status.DRAFT and ready and permissions.can_approve_letter(user):
            return NextAction("Approve the letter", reverse("incidents:letter_detail", args=[letter.pk]))
        if letter.status == Letter.Status.APPROVED and permissions.can_issue_letter(user):
            return NextAction("Issue the letter", reverse("incidents:letter_detail", args=[letter.pk]))
    return None


def case_next_action(user: User, case: Case, *, decisions: dict, letters: list[Letter]) -> NextAction | None:
    """The one thing this person should do next on this case, or None when nothing waits on them.

    `decisions`: the decision section's context (decisions.views.decisions_context), which has already
    read the case's decisions, responses, their allowed steps for this user and the letters they need.
    """
    if case.status == Status.CLOSED:
        return None
    if case.status in (Status.DECIDED, Status.SANCTION_IN_FORCE):
        action = _sanction_action(user, case, decisions) or _letter_action(user, letters)
        if action:
            return action
    for to in _forward_moves(case.status):
        step = MOVES_MADE_BY_STEP.get((Status(case.status), Status(to)))
        if step == "recommendation" and permissions.can_recommend(user, case):
            return NextAction("Recommend a response",
                              reverse("incidents:recommendation_create", args=[case.reference]))
        if step == "decision" and permissions.can_decide(user) and not decisions.get("current_decision"):
            return NextAction("Decide the response", reverse("incidents:decision_create", args=[case.reference]))
        if step is None and permissions.can_work_on_case(user, case) and permissions.can_assign_lead(user):
            if to == Status.INVESTIGATING and not user.has_role(Role.LEAD):
                # Someone who may not lead must say who does: the button takes them to that question.
                return NextAction("Choose who leads the investigation",
                                  reverse("incidents:case_detail", args=[case.reference]) + "#start-investigating")
            return NextAction(f"{'Start investigating' if to == Status.INVESTIGATING else Status(to).label}",
                              reverse("incidents:case_transition", args=[case.reference]),
                              method="post", fields={"to": to})
    if case.status in (Status.NEW, Status.INVESTIGATING) and permissions.can_add_evidence(user, case):
        return NextAction("Add evidence", reverse("incidents:evidence_create", args=[case.reference]))
    return None


# The section the case page opens on when its address names none: what the case is waiting for.
_OPENING_SECTION = {Status.AWAITING_DECISION: "decisions", Status.DECIDED: "decisions",
                    Status.SANCTION_IN_FORCE: "decisions"}


def case_opening_section(case: Case) -> str:
    """The case page's section shown first: the decision and its responses once a case is put to the
    Head Teacher; the overview (concerns, facts, moves) before that and once closed."""
    return _OPENING_SECTION.get(Status(case.status), "overview")


def _next_date(sanction: Sanction) -> tuple[datetime.date | None, str]:
    if sanction.state == State.PROVISIONAL and sanction.representations_due:
        return sanction.representations_due, "Representations due"
    if sanction.review_on:
        return sanction.review_on, "Next review"
    if sanction.ends_on:
        return sanction.ends_on, "Ends"
    if sanction.starts_on and sanction.starts_on > datetime.date.today():
        return sanction.starts_on, "Starts"
    return None, ""


def responses_in_force(decisions: dict) -> list[ResponseInForce]:
    """The current decision's responses that are not over, each with the next date it waits for."""
    current = decisions.get("current_decision")
    shown = []
    for row in decisions.get("sanction_rows", []):
        sanction = row["sanction"]
        if current is None or sanction.decision_id != current.pk or sanction.state in _SANCTION_OVER:
            continue
        next_date, label = _next_date(sanction)
        shown.append(ResponseInForce(name=sanction.response_type.name, state=sanction.get_state_display(),
                                     next_date=next_date, next_date_label=label))
    return shown
