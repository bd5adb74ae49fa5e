"""Statistics for the Head Teacher and governors: counts only, never a name or what happened.

Who sees what: the Head Teacher's reports count the cases they may see (cases_visible_to: all of
them). Governors see anonymised statistics over all the school's cases — counts, no references, no names —
which is the one place a count is not limited to the cases the reader may open; `statistics_cases`
is where that is decided, and nothing here returns a row that names a case or a person.
"""

import csv
import datetime
import io
import statistics
import textwrap
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from incidents.access.visibility import cases_visible_to
from incidents.decisions.selectors import decisions_in_force
from incidents.models import Case, CaseEvent, Concern, Decision, Parent, User
from incidents.roles import Role
from policies.models import Clause, School

MONTHS = 12


def may_see_reports(user: User) -> bool:
    return user.is_authenticated and (user.has_role(Role.HEAD) or user.has_role(Role.GOVERNOR))


def statistics_cases(user: User) -> QuerySet[Case]:
    """The cases a report counts: the Head Teacher's own view; for governors, all cases of the school
    in hand, counted only (they are anonymised statistics: see the module docstring). Never another
    school's: a governor of one school learns nothing of the next."""
    if user.has_role(Role.HEAD):
        return cases_visible_to(user)
    if user.has_role(Role.GOVERNOR) and user.school_in_hand is not None:
        return Case.objects.filter(school=user.school_in_hand)
    return Case.objects.none()


@dataclass(frozen=True)
class Term:
    name: str
    starts_on: datetime.date
    ends_on: datetime.date


def term_of(day: datetime.date) -> Term:
    """The school term a day falls in: autumn (September–December), spring (January–Easter,
    taken as the end of March) and summer (April–August, the holiday with it)."""
    if day.month >= 9:
        return Term(f"Autumn term {day.year}", datetime.date(day.year, 9, 1), datetime.date(day.year, 12, 31))
    if day.month <= 3:
        return Term(f"Spring term {day.year}", datetime.date(day.year, 1, 1), datetime.date(day.year, 3, 31))
    return Term(f"Summer term {day.year}", datetime.date(day.year, 4, 1), datetime.date(day.year, 8, 31))


def term_bounds(term: Term) -> tuple[datetime.datetime, datetime.datetime]:
    """The term as [start, end) instants in local time: a case opened in between is the term's."""
    start = timezone.make_aware(datetime.datetime.combine(term.starts_on, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(term.ends_on + datetime.timedelta(days=1), datetime.time()))
    return start, end


def opened_month(prefix: str = "") -> tuple[ExtractYear, ExtractMonth]:
    """The local year and month a case was opened in, in SQL (to annotate as `opened_year` and
    `opened_month`): cases counted by month add up into terms with term_of, the one definition of a
    term. `prefix` reaches the case from another model ("decision__case__")."""
    return ExtractYear(f"{prefix}opened_at"), ExtractMonth(f"{prefix}opened_at")


def _month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(starts))


def cases_per_month(cases: QuerySet[Case], *, today: datetime.date, months: int = MONTHS) -> list[tuple[str, int]]:
    """(month, cases opened) for the last `months` months, this one included, empty months shown."""
    starts = _month_starts(today, months)
    since = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time()))
    counts: dict[tuple[int, int], int] = {}
    for opened_at in cases.filter(opened_at__gte=since).values_list("opened_at", flat=True):
        local = timezone.localtime(opened_at)
        counts[(local.year, local.month)] = counts.get((local.year, local.month), 0) + 1
    return [(f"{start:%b %Y}", counts.get((start.year, start.month), 0)) for start in starts]


def cases_by_category(cases: QuerySet[Case]) -> list[tuple[str, int]]:
    """(inappropriate activity, cases) over the clauses recorded as breached, most common first.
    Clauses of different policy versions with the same wording count together."""
    rows = (Clause.objects.filter(kind=Clause.Kind.INAPPROPRIATE, cases__in=cases).values("text")
            .annotate(n=Count("cases", distinct=True)).order_by("-n", "text"))
    merged: dict[str, int] = {}
    for row in rows:
        label = row["text"].strip().rstrip(".;")
        merged[label] = merged.get(label, 0) + row["n"]
    return sorted(merged.items(), key=lambda item: (-item[1], item[0]))


def responses_in_force() -> QuerySet:
    """The responses chosen in each case's current decision (one not superseded): rows of the
    decision–response table, to be counted by `responsetype__name` as distinct `decision__case`."""
    return Decision.responses.through.objects.filter(decision__in=decisions_in_force())


def no_action_in_force() -> QuerySet[Decision]:
    """Current decisions of no further action, to be counted as distinct cases."""
    return decisions_in_force().filter(no_further_action=True)


def cases_by_response(cases: QuerySet[Case]) -> list[tuple[str, int]] | None:
    """(response decided, cases) from each case's current decision (one not superseded); "No further
    action" counted too. None when no decision is recorded yet."""
    if not decisions_in_force().filter(case__in=cases).exists():
        return None
    chosen = (responses_in_force().filter(decision__case__in=cases).values("responsetype__name")
              .annotate(n=Count("decision__case", distinct=True)))
    counts = {row["responsetype__name"]: row["n"] for row in chosen}
    no_action = no_action_in_force().filter(case__in=cases).values("case").distinct().count()
    if no_action:
        counts["No further action"] = counts.get("No further action", 0) + no_action
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def decision_events() -> QuerySet[CaseEvent]:
    """The timeline events that record a decision: the status move "awaiting decision → decided".
    A case's first one is when it was decided (PostgreSQL: a partial index holds only these)."""
    return CaseEvent.objects.filter(kind=CaseEvent.Kind.STATUS, data__from=Case.Status.AWAITING_DECISION,
                                    data__to=Case.Status.DECIDED)


def with_decision_times(cases: QuerySet[Case]) -> QuerySet[Any]:  # Case, annotated
    """The cases with `decided_at` (their first decision event, None if undecided) and `first_concern`
    (when their first concern was received, None if they have none)."""
    decided = decision_events().filter(case=OuterRef("pk")).order_by("at").values("at")[:1]
    first = Concern.objects.filter(case=OuterRef("pk")).order_by("received_at").values("received_at")[:1]
    return cases.annotate(decided_at=Subquery(decided), first_concern=Subquery(first))


def days_to_decision(*, first_concern: datetime.datetime | None, opened_at: datetime.datetime,
                     decided_at: datetime.datetime) -> int:
    """Whole days from the first concern (else the opening of the case) to the decision, never below
    nought. DAYS_TO_DECISION_SQL is the same in PostgreSQL."""
    return max(0, (decided_at - (first_concern or opened_at)).days)


# days_to_decision in PostgreSQL, over columns named decided_at, first_concern and opened_at:
# timedelta.days is the floor of the whole difference in days.
DAYS_TO_DECISION_SQL = ("GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (decided_at - COALESCE(first_concern, opened_at)))"
                        " / 86400))::integer")


def decision_days_by_case(cases: QuerySet[Case]) -> dict[int, int]:
    """{case id: days from the first concern to the decision} for each decided case. The decision is
    the status event "awaiting decision → decided" in the timeline."""
    rows = (with_decision_times(cases).filter(decided_at__isnull=False)
            .values_list("pk", "first_concern", "opened_at", "decided_at"))
    return {pk: days_to_decision(first_concern=first, opened_at=opened, decided_at=decided_at)
            for pk, first, opened, decided_at in rows}


def median_days_to_decision(cases: QuerySet[Case]) -> float | None:
    days = list(decision_days_by_case(cases).values())
    return statistics.median(days) if days else None


def repeat_cases(cases: QuerySet[Case]) -> list[tuple[str, int]]:
    """How many parents have 2, 3, or 4 or more cases: numbers of people, never who."""
    per_parent = (Parent.objects.filter(cases__in=cases).annotate(n=Count("cases", distinct=True))
                  .filter(n__gt=1).values_list("n", flat=True))
    buckets = {"2 cases": 0, "3 cases": 0, "4 or more cases": 0}
    for n in per_parent:
        buckets["2 cases" if n == 2 else "3 cases" if n == 3 else "4 or more cases"] += 1
    return list(buckets.items())


@dataclass
class Report:
    scope: str
    total: int
    per_month: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_response: list[tuple[str, int]] | None
    median_days: float | None
    decided: int
    repeat: list[tuple[str, int]]

    @property
    def repeat_parents(self) -> int:
        return sum(n for _, n in self.repeat)


def report_for(cases: QuerySet[Case], *, today: datetime.date, scope: str) -> Report:
    days = list(decision_days_by_case(cases).values())
    return Report(
        scope=scope, total=cases.count(), per_month=cases_per_month(cases, today=today),
        by_category=cases_by_category(cases), by_response=cases_by_response(cases),
        median_days=statistics.median(days) if days else None, decided=len(days), repeat=repeat_cases(cases),
    )


def termly_report(*, term: Term, school: School) -> Report:
    """The governors' termly report: anonymised statistics of the school's cases opened in the term."""
    start, end = term_bounds(term)
    cases = Case.objects.filter(school=school, opened_at__gte=start, opened_at__lt=end)
    return report_for(cases, today=min(term.ends_on, timezone.localdate()), scope=term.name)


def cases_csv(cases: QuerySet[Case], *, named: bool) -> str:
    """One row per case: when, status, severity, categories, safeguarding, days to decision. No
    names, no descriptions; references only when `named` (the Head Teacher's export)."""
    days = decision_days_by_case(cases)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow((["Reference"] if named else []) + [
        "Opened", "Status", "Severity", "Safeguarding", "Breach categories", "Days to decision"])
    for case in cases.prefetch_related("clauses").order_by("opened_at"):
        categories = "; ".join(c.number for c in case.clauses.all() if c.kind == Clause.Kind.INAPPROPRIATE)
        writer.writerow(([case.reference] if named else []) + [
            f"{timezone.localtime(case.opened_at):%Y-%m-%d}", case.get_status_display(),
            case.get_severity_display(), "yes" if case.safeguarding else "no", categories, days.get(case.pk, ""),
        ])
    return out.getvalue()


# --- charts: inline SVG, drawn here (no script: the Content-Security-Policy forbids inline script) ---

BAR_HEIGHT, GAP, LINE_HEIGHT, CHART_WIDTH = 22, 10, 17, 640
# Characters of a label per line at font-size 13 in the chart's width (with room to spare for wide
# letters): a label never runs past the edge, it goes on to the next line.
LABEL_LINE_CHARS = 72
# Left inset of labels: a glyph's ink can start left of its text's x (a negative side
# bearing, about a pixel), which at x=0 pokes out of the drawing and is cut off.
INSET = 4


def _label_lines(label: str) -> list[str]:
    return textwrap.wrap(label, LABEL_LINE_CHARS, break_long_words=True) or [""]


def bar_chart(*, title: str, rows: list[tuple[str, int]], chart_id: str) -> SafeString:
    """A horizontal bar chart as accessible inline SVG: a <title>, and on every bar its whole label
    (above the bar, over as many lines as it needs, so none is clipped) and its value. Every label
    is escaped."""
    most = max((n for _, n in rows), default=0) or 1
    room = CHART_WIDTH - 50
    parts = []
    y = GAP
    for label, n in rows:
        lines = _label_lines(label)
        text = format_html_join("", '<tspan x="{}" dy="{}">{}</tspan>',
                                ((INSET, LINE_HEIGHT if k else 13, line) for k, line in enumerate(lines)))
        bar_top = y + len(lines) * LINE_HEIGHT
        width = max(1, round(room * n / most)) if n else 0
        parts.append(format_html(
            '<g><text y="{}" font-size="13" fill="#212529">{}</text>'
            '<rect x="0" y="{}" width="{}" height="{}" fill="#0d6efd"><title>{}: {}</title></rect>'
            '<text x="{}" y="{}" font-size="13" fill="#212529">{}</text></g>',
            y, text, bar_top, width, BAR_HEIGHT, label, n, width + 6, bar_top + 16, n))
        y = bar_top + BAR_HEIGHT + GAP
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="report-chart w-100 h-auto" viewBox="0 0 {} {}" '
        'role="img" aria-labelledby="{}"><title id="{}">{}</title>{}</svg>',
        CHART_WIDTH, y, chart_id, chart_id, title, format_html_join("", "{}", ((part,) for part in parts)),
    )
