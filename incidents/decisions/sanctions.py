"""The sanctions a decision orders, each kind on its own lifecycle.

One table (SANCTION_MOVES) says which moves each kind may make, and one function
(sanction_transition) makes every move: it checks the table and what the step must record, writes
the step with the letter it needs, and puts the case's sanction in force. The site ban's own rules
(its review, its terms, the parent's representations) are in `ban.py`.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.access.permissions import require_case_worker, require_head
from incidents.cases.services import case_transition
from incidents.cases.timeline import case_event_record
from incidents.decisions import ban
from incidents.decisions.selectors import response_code, response_in_force_among
from incidents.models import (
    Case,
    CaseEvent,
    Sanction,
    SanctionStep,
    User,
)
from incidents.parents import links as parent_links
from incidents.transitions import IllegalTransition
from policies.models import LetterTemplate

Kind = Sanction.Kind
Purpose = LetterTemplate.Purpose
State = Sanction.State
Status = Case.Status

# The only moves each kind of sanction may make. WITHDRAWN is reached only when the decision that
# ordered it is superseded. A ban's review that continues it is a move to the same state.


SANCTION_MOVES: dict[str, dict[str, set[str]]] = {
    Kind.WARNING: {State.PENDING: {State.ISSUED, State.WITHDRAWN}},
    Kind.MEETING: {
        State.PENDING: {State.INVITED, State.WITHDRAWN},
        State.INVITED: {State.HELD, State.DECLINED, State.DID_NOT_ATTEND, State.WITHDRAWN},
    },
    Kind.REFERRAL: {
        State.PENDING: {State.REFERRED, State.WITHDRAWN},
        State.REFERRED: {State.OUTCOME_RECORDED, State.WITHDRAWN},
    },
    Kind.LEGAL: {State.PENDING: {State.ADVICE_SOUGHT, State.WITHDRAWN}},
    Kind.MODERATORS: {
        State.PENDING: {State.REQUESTED, State.WITHDRAWN},
        State.REQUESTED: {State.RESULT_RECORDED, State.WITHDRAWN},
    },
    Kind.BAN: {
        State.PENDING: {State.PROVISIONAL, State.WITHDRAWN},
        State.PROVISIONAL: {State.REPRESENTATIONS, State.CONFIRMED, State.VARIED, State.LIFTED, State.WITHDRAWN},
        State.REPRESENTATIONS: {State.CONFIRMED, State.VARIED, State.LIFTED, State.WITHDRAWN},
        State.CONFIRMED: {State.CONFIRMED, State.VARIED, State.LIFTED, State.WITHDRAWN},
        State.VARIED: {State.VARIED, State.CONFIRMED, State.LIFTED, State.WITHDRAWN},
    },
}



LETTER_FOR_STEP: dict[tuple[str, str], str] = {
    (Kind.WARNING, State.ISSUED): Purpose.WARNING,
    (Kind.MEETING, State.INVITED): Purpose.MEETING_INVITATION,
    (Kind.MODERATORS, State.REQUESTED): Purpose.MODERATOR_REQUEST,
    (Kind.BAN, State.PROVISIONAL): Purpose.PROVISIONAL_BAN,
    (Kind.BAN, State.CONFIRMED): Purpose.BAN_CONFIRMED,
    (Kind.BAN, State.VARIED): Purpose.BAN_VARIED,
    (Kind.BAN, State.LIFTED): Purpose.BAN_LIFTED,
}


# What each step must record (besides its date and who acted).
STEP_REQUIRES: dict[tuple[str, str], tuple[str, ...]] = {
    (Kind.MEETING, State.INVITED): ("meeting_on",),
    (Kind.MEETING, State.HELD): ("attendees", "notes"),
    (Kind.REFERRAL, State.REFERRED): ("organisation",),
    (Kind.REFERRAL, State.OUTCOME_RECORDED): ("outcome",),
    (Kind.LEGAL, State.ADVICE_SOUGHT): ("adviser",),
    (Kind.MODERATORS, State.REQUESTED): ("group",),
    (Kind.MODERATORS, State.RESULT_RECORDED): ("result",),
    (Kind.BAN, State.PROVISIONAL): ("reasons", "conditions", "starts_on"),
    (Kind.BAN, State.CONFIRMED): ("ends_on", "review_on"),
    (Kind.BAN, State.VARIED): ("conditions", "ends_on", "review_on"),
    (Kind.BAN, State.LIFTED): ("reasons",),
}


def sanction_moves_for(sanction: Sanction) -> set[str]:
    """States this sanction may move to next, by the table (withdrawal is not offered as a step)."""
    return SANCTION_MOVES[sanction.kind].get(sanction.state, set()) - {State.WITHDRAWN}


def _step_summary(sanction: Sanction, to: str, details: dict) -> str:
    name = sanction.response_type.name
    if to == sanction.state and to in (State.CONFIRMED, State.VARIED):
        text = f"{name}: reviewed, continues; next review {details['review_on']:%d %b %Y}"
    else:
        text = f"{name}: {State(to).label}"
    public = {
        "organisation": "with {}", "reference": "ref. {}", "outcome": "outcome: {}", "group": "group: {}",
        "result": "result: {}", "adviser": "adviser: {}", "attendees": "attended: {}",
    }
    extras = [pattern.format(details[key]) for key, pattern in public.items() if details.get(key)]
    return text + (f" ({'; '.join(extras)})" if extras else "")


@transaction.atomic
def sanction_transition(
    *,
    sanction: Sanction,
    to: str,
    by: User,
    on: datetime.date | None = None,
    details: dict | None = None,
    head_only_note: str = "",
) -> SanctionStep:
    """Move a sanction one step on its lifecycle, if its table (SANCTION_MOVES) allows it.

    Checks: the move is in the table; what the step must record (STEP_REQUIRES); a ban's review
    (confirm, vary, lift) and withdrawals are the Head Teacher's alone; a ban is confirmed only
    after representations or once the deadline has passed; a confirmed or varied ban has a review
    date. Writes: Sanction (state, ban terms), SanctionStep (with the letter it needs), a timeline
    event (never the legal advice summary), the case's response in force (case_response_refresh), and
    the case moves decided → sanction in force when the first sanction takes effect. Case workers
    (leads, the Head, assigned office staff) may call.
    """
    details = {k: v for k, v in (details or {}).items() if v not in (None, "", [])}
    on = on or timezone.localdate()
    locked = Sanction.objects.select_for_update().select_related("response_type", "case").get(pk=sanction.pk)
    case = locked.case
    current, target = State(locked.state), State(to)
    if target not in SANCTION_MOVES[locked.kind].get(current, set()):
        raise IllegalTransition(f"A {locked.get_kind_display().lower()} that is “{current.label}” "
                                f"cannot move to “{target.label}”.")
    if target == State.WITHDRAWN or (locked.kind == Kind.BAN and target in ban.BAN_REVIEW_STATES):
        require_head(by, "review, change or lift a ban" if target != State.WITHDRAWN else "withdraw a sanction")
    else:
        require_case_worker(by, case, "move this sanction on")
    if locked.kind == Kind.LEGAL:
        require_head(by, "record legal advice")
    missing = [name for name in STEP_REQUIRES.get((locked.kind, target), ()) if not details.get(name)]
    if missing:
        raise ValidationError(f"Record the {', '.join(m.replace('_', ' ') for m in missing)}.")
    if on > timezone.localdate():
        raise ValidationError("A step cannot be dated in the future.")
    if locked.kind == Kind.BAN:
        ban.ban_step_check(ban=locked, to=target, details=details, by=by, on=on)
    took_effect = current == State.PENDING and target != State.WITHDRAWN
    locked.state = target
    locked.save()
    step = SanctionStep.objects.create(
        sanction=locked, from_state=current, to_state=target, on=on, by=by,
        details={k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in details.items()},
        head_only_note=head_only_note.strip(), letter_purpose=LETTER_FOR_STEP.get((locked.kind, target), ""),
    )
    case_event_record(
        case=case, kind=CaseEvent.Kind.SANCTION, actor=by,
        at=timezone.make_aware(datetime.datetime.combine(on, datetime.time(12))) if on != timezone.localdate()
        else None,
        summary=_step_summary(locked, target, details),
        data={"sanction": locked.pk, "from": current.value, "to": target.value, "letter_needed": step.letter_purpose},
    )
    if locked.kind == Kind.BAN:
        parent_links.ban_links_revoke(sanction=locked)  # the parent's page closes with the provisional steps
    case_response_refresh(case_ids=[case.pk])
    if took_effect and Case.objects.filter(pk=case.pk, status=Status.DECIDED).exists():
        case_transition(case=case, to=Status.SANCTION_IN_FORCE, by=by, step="sanction")
    sanction.refresh_from_db()
    return step


@transaction.atomic
def case_response_refresh(*, case_ids: Iterable[int]) -> None:
    """Copy each case's response in force (decisions.selectors.response_in_force_among) to its
    `response` and `response_sanction` columns, which the case list shows and filters by.

    Writes: those two columns of each case, in SQL (no history row, no version change: nothing a
    person did to the case). Called in the same transaction as every change to a case's sanctions:
    by sanction_transition and decision_record, and by seed_bulk for the rows it writes in bulk.
    """
    # Locked first, so two changes to one case's sanctions at once each read the other's when it is done.
    ids = list(Case.objects.select_for_update().filter(pk__in=list(case_ids)).order_by("pk")
               .values_list("pk", flat=True))
    by_case: dict[int, list[Sanction]] = defaultdict(list)
    for sanction in (Sanction.objects.filter(case__in=ids).exclude(state=State.WITHDRAWN)
                     .select_related("response_type").order_by()):
        by_case[sanction.case_id].append(sanction)
    rows = []
    for case_id in ids:
        leading = response_in_force_among(by_case[case_id])
        rows.append(Case(pk=case_id, response=response_code(leading), response_sanction=leading))
    Case.objects.bulk_update(rows, ["response", "response_sanction"], batch_size=1000)
