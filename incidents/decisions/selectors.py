"""Reading decisions and sanctions: the decision in force, a case's decisions, sanctions and complaints,
the proportionality panel (what the school has done before in cases like this), bans due for review,
and the rules read from the record (a ban may be confirmed; a case has active sanctions)."""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from incidents.access.visibility import _union, cases_visible_to
from incidents.models import (
    Case,
    Complaint,
    Decision,
    PanelConfirmation,
    Recommendation,
    Sanction,
    SanctionStep,
    User,
)
from policies.models import ResponseType

State = Sanction.State

# Where a sanction's lifecycle ends: nothing more is to be done on it.
SANCTION_FINISHED = {State.ISSUED, State.HELD, State.DECLINED, State.DID_NOT_ATTEND, State.OUTCOME_RECORDED,
                     State.ADVICE_SOUGHT, State.RESULT_RECORDED, State.LIFTED, State.WITHDRAWN}


def decision_justification_needed(*, case: Case, responses: Iterable[ResponseType]) -> bool:
    """True when a chosen response is more than one rung above what the school usually does.

    See selectors.proportionality_for for what "usually" means.
    """
    usual = proportionality_for(case).usual_level
    return any(r.level > usual + 1 for r in responses)


def ban_may_be_confirmed(sanction: Sanction, *, today: datetime.date | None = None) -> bool:
    """A ban is never confirmed before its representations deadline unless the parent has answered."""
    today = today or timezone.localdate()
    if sanction.state == State.PROVISIONAL:
        return sanction.representations_due is not None and today > sanction.representations_due
    return True


def case_has_active_sanctions(case: Case) -> bool:
    return Sanction.objects.filter(case=case).exclude(state__in=SANCTION_FINISHED).exists()


def decisions_in_force() -> QuerySet[Decision]:
    """Decisions that no later decision supersedes: the one in force on each decided case."""
    # NOT EXISTS rather than superseded_by__isnull (a LEFT JOIN … IS NULL): PostgreSQL plans it as an
    # anti-join and estimates it right; the other was taken for one row, and a trust's 200,000
    # decisions were then read in nested loops (issue 25.4: 1.8 s rather than 0.6 s).
    return Decision.objects.filter(~Exists(Decision.objects.filter(supersedes=OuterRef("pk"))))


def current_decision(case: Case) -> Decision | None:
    """The decision in force on the case, if it has been decided."""
    return _decisions_in_force([case.pk]).get(case.pk)


def latest_recommendation(case: Case) -> Recommendation | None:
    return case.recommendations.select_related("recommended_by").prefetch_related("responses", "clauses").first()


def case_decisions(case: Case) -> list[Decision]:
    """Every decision on the case, oldest first, the superseded ones included."""
    # superseded_by too: Decision.is_current asks for it, once per decision otherwise.
    return list(case.decisions.select_related("decided_by", "supersedes", "superseded_by")
                .prefetch_related("responses"))


# How each state reads in one line on the case list, after the response's name ("Site ban: …").
_IN_BRIEF = {
    State.PENDING: "to do", State.ISSUED: "issued", State.INVITED: "meeting invited", State.HELD: "meeting held",
    State.DECLINED: "meeting declined", State.DID_NOT_ATTEND: "did not attend the meeting",
    State.REFERRED: "referred, awaiting the outcome", State.OUTCOME_RECORDED: "outcome recorded",
    State.ADVICE_SOUGHT: "advice sought", State.REQUESTED: "requested, awaiting the moderators",
    State.RESULT_RECORDED: "result recorded", State.PROVISIONAL: "awaiting representations",
    State.REPRESENTATIONS: "representations received, awaiting review", State.CONFIRMED: "confirmed",
    State.VARIED: "varied", State.LIFTED: "lifted",
}

# Bans that keep the parent off the site now (or are about to: a provisional ban takes effect on its start date).
BAN_IN_FORCE = {State.PROVISIONAL, State.REPRESENTATIONS, State.CONFIRMED, State.VARIED}


def _short_date(day: datetime.date, today: datetime.date) -> str:
    return f"{day.day} {day:%b}" if day.year == today.year else f"{day.day} {day:%b %Y}"


def sanction_in_brief(sanction: Sanction, *, today: datetime.date | None = None) -> str:
    """One sanction in a line, as the case list shows it: "Site ban: awaiting representations until
    15 Jan", "Site ban: confirmed until 20 Jul, review 1 Mar", "Warning: issued"."""
    today = today or timezone.localdate()
    text = f"{Sanction.Kind(sanction.kind).label}: {_IN_BRIEF.get(State(sanction.state), State(sanction.state).label)}"
    if sanction.state == State.PROVISIONAL and sanction.representations_due:
        text += f" until {_short_date(sanction.representations_due, today)}"
    elif sanction.state in (State.CONFIRMED, State.VARIED):
        if sanction.ends_on:
            text += f" until {_short_date(sanction.ends_on, today)}"
        if sanction.review_on:
            text += f", review {_short_date(sanction.review_on, today)}"
    return text


def response_code(sanction: Sanction | None) -> str:
    """The case's `response` column for this sanction in force (a Case.Response value)."""
    if sanction is None:
        return Case.Response.NONE
    if sanction.kind == Sanction.Kind.BAN and sanction.state in BAN_IN_FORCE:
        return Case.Response.BAN_IN_FORCE
    return Case.Response(sanction.kind)


def response_in_force_among(sanctions: Iterable[Sanction]) -> Sanction | None:
    """Which of a case's sanctions is the response in force, the one the case list names: never a
    withdrawn one; one still under way (a ban in force, a meeting invited) before one that is over
    (a warning issued, a ban lifted); then the highest rung of the ladder; then the latest ordered.
    Each sanction needs its response_type (for its rung)."""
    listed = [s for s in sanctions if s.state != State.WITHDRAWN]
    return max(listed, key=lambda s: (s.state not in SANCTION_FINISHED, s.response_type.level, s.pk), default=None)


def cases_with_stale_response(cases: QuerySet[Case] | None = None) -> list[str]:
    """References of the cases whose `response` columns no longer say what their sanctions do: a
    change to a sanction that did not go through sanctions.case_response_refresh (tests run it after
    every test that touches the database; it reads every sanction of the cases it checks)."""
    cases = Case.objects.all() if cases is None else cases
    by_case: dict[int, list[Sanction]] = {}
    for sanction in Sanction.objects.filter(case__in=cases.values("pk")).select_related("response_type"):
        by_case.setdefault(sanction.case_id, []).append(sanction)
    stale = []
    for case in cases.order_by("pk").only("pk", "reference", "response", "response_sanction"):
        leading = response_in_force_among(by_case.get(case.pk, []))
        if (case.response, case.response_sanction_id) != (response_code(leading), leading and leading.pk):
            stale.append(case.reference)
    return stale


def cases_with_response(queryset: QuerySet[Case], response: str) -> QuerySet[Case]:
    """Cases whose response in force is of this kind; "ban" takes a ban in force too, "ban_in_force"
    only a ban that keeps the parent off the site. Reads the case's own indexed `response` column."""
    if response == Sanction.Kind.BAN:
        return queryset.filter(response__in=[Case.Response.BAN, Case.Response.BAN_IN_FORCE])
    return queryset.filter(response=response)


RESPONSE_CHOICES = [(Case.Response.BAN_IN_FORCE.value, "Site ban in force (provisional, confirmed or varied)"),
                    *Sanction.Kind.choices]


def case_sanctions(case: Case) -> list[Sanction]:
    steps = Prefetch("steps", queryset=SanctionStep.objects.select_related("by").prefetch_related(
        "participations__user"))
    return list(case.sanctions.select_related("response_type").prefetch_related(steps, "representations__files"))


def case_complaints(case: Case) -> list[Complaint]:
    return list(case.complaints.prefetch_related("panel", "panel_records__member"))


@dataclass
class PanelMemberRecord:
    member: User
    latest: PanelConfirmation | None  # what this member last recorded; None: nothing yet


def panel_progress(complaint: Complaint) -> list[PanelMemberRecord]:
    """Each member of the panel with what they last recorded (read from case_complaints' prefetch)."""
    latest: dict[int, PanelConfirmation] = {}
    for record in sorted(complaint.panel_records.all(), key=lambda r: (r.recorded_at, r.pk)):
        latest[record.member_id] = record
    return [PanelMemberRecord(member=member, latest=latest.get(member.pk))
            for member in sorted(complaint.panel.all(), key=lambda m: m.display_name)]


def panel_proposal(complaint: Complaint) -> PanelConfirmation | None:
    """The outcome a member recorded last: what the others are asked to confirm."""
    return max(complaint.panel_records.all(), key=lambda r: (r.recorded_at, r.pk), default=None)


def _outcome_names(decision: Decision) -> list[str]:
    return [r.name for r in decision.responses.all()] or ["No further action"]


@dataclass
class Proportionality:
    categories: list[str]
    earlier_cases: list[tuple[Case, str]] = field(default_factory=list)
    response_counts: list[tuple[str, int]] = field(default_factory=list)
    first_cases_counted: int = 0
    usual_level: int = 0
    usual_label: str = ""


def proportionality_for(case: Case) -> Proportionality:
    """What the Head Teacher weighs beside the decision form. Advice only: it decides nothing.

    - the parents' earlier cases and their outcomes;
    - how the school responded to earlier decided cases sharing a breach category (a clause
      number, of the case or of its recommendation, so it holds across policy versions) — counts
      per response;
    - "usually": the most common highest rung among those cases that were the parent's first
      case (ties go to the lower rung); with no such history, the ladder's warning rung.

    A fixed number of queries however many cases the school has (at 100,000 cases the
    case-by-case version took 9,000+ queries and 30 s): the counts are made by the database.
    """
    recommendation = latest_recommendation(case)
    clauses = list(case.clauses.all()) + (list(recommendation.clauses.all()) if recommendation else [])
    numbers = {c.number for c in clauses}
    ladder = {r.code: r for r in ResponseType.objects.filter(school=case.school_id)}
    nfa = ladder.get(ResponseType.Code.NO_FURTHER_ACTION)
    nfa_level = nfa.level if nfa else 0
    warning = ladder.get(ResponseType.Code.WARNING)
    result = Proportionality(categories=sorted(numbers))

    earlier = list(Case.objects.filter(parents__in=case.parents.all(), opened_at__lt=case.opened_at)
                   .exclude(pk=case.pk).distinct().order_by("-opened_at"))
    in_force = _decisions_in_force([other.pk for other in earlier])
    for other in earlier:
        decision = in_force.get(other.pk)
        result.earlier_cases.append((other, ", ".join(_outcome_names(decision)) if decision else
                                     other.get_status_display()))

    first_levels: Counter[int] = Counter()
    if numbers:
        # A union of two index scans, not an OR across two joins (which reads every case).
        about_these = _union([
            Case.clauses.through.objects.filter(clause__number__in=numbers).values("case_id"),
            Recommendation.clauses.through.objects.filter(clause__number__in=numbers)
            .values("recommendation__case_id"),
        ])
        similar = Case.objects.filter(pk__in=about_these, school=case.school_id).exclude(pk=case.pk).values("pk")
        decided = decisions_in_force().filter(case__in=similar)
        # Each response counted once per case, "No further action" for a decision without one.
        per_response = (decided.values("responses__name").annotate(n=Count("case", distinct=True))
                        .order_by("-n", "responses__name"))
        result.response_counts = [(row["responses__name"] or "No further action", row["n"]) for row in per_response]
        # A parent's first case: no case about any of its parents opened before it.
        before = Case.objects.filter(parents__cases=OuterRef("case"), opened_at__lt=OuterRef("case__opened_at"))
        firsts = (decided.filter(~Exists(before)).values("case").annotate(level=Max("responses__level"))
                  .values_list("level", flat=True))
        first_levels.update(nfa_level if level is None else level for level in firsts)
    result.first_cases_counted = sum(first_levels.values())
    if first_levels:
        top = max(first_levels.values())
        result.usual_level = min(level for level, n in first_levels.items() if n == top)
        named = [r.name for r in ladder.values() if r.level == result.usual_level]
        result.usual_label = named[0] if named else f"rung {result.usual_level}"
    else:
        result.usual_level = warning.level if warning else 1
        result.usual_label = (warning.name if warning else "a warning") + " (no earlier first cases to compare)"
    return result


def _decisions_in_force(case_ids: list[int]) -> dict[int, Decision]:
    """The decision in force on each of these cases that has one, with its responses, by case id."""
    in_force: dict[int, Decision] = {}
    for decision in decisions_in_force().filter(case__in=case_ids).prefetch_related("responses"):
        in_force.setdefault(decision.case_id, decision)  # oldest first (Decision's order), as ever
    return in_force




def bans_due_for_review(user: User, *, on, limit: int | None = None) -> list[Sanction]:
    """Confirmed or varied bans whose review date has come, on cases this user may see, the
    earliest first (only the first `limit`, when given)."""
    bans = (Sanction.objects.filter(case__in=cases_visible_to(user), kind=Sanction.Kind.BAN, review_on__lte=on,
                                    state__in=[Sanction.State.CONFIRMED, Sanction.State.VARIED])
            .select_related("case", "response_type").order_by("review_on", "pk"))
    return list(bans[:limit] if limit is not None else bans)
