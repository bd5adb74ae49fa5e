"""What a trust's leaders read: anonymised statistics across the trust's schools, by term and by school.

Counts, the responses decided (the schools' own names for them), and the median days from the first
concern to the decision; never a name, a case reference or title, or anything written about a case.
The definitions are the schools' own reports' (incidents.reports.statistics): the term a case was opened
in, its decision event and days to decision, the responses of its current decision. A school outside the
trust is never read.

At 300 schools the figures cannot be read school by school (three queries a school and a term made
thousands). They are read in a fixed number of queries, whatever the number of schools and terms: each
school's cases in each term (one "cell"), with the days to decision of each decided case, then added up
in Python into the rows shown. Every case is in exactly one cell, so counts and distinct cases per
response add up exactly; medians are taken over the cells' days together, never from medians.

At 300,000 cases even those few queries take seconds, too long for a page. So the worker works the
figures out hourly for every term at once (figures_as_json, stored by services.trust_statistics_refresh
in TrustStatisticsSnapshot) and the page reads them stored (stored_trust_statistics), saying when they
were worked out. trust_statistics is the same arithmetic, live, for one term.
"""

import datetime
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, Min, QuerySet
from django.utils import timezone

from incidents.models import Case, Concern, TrustMembership, TrustStatisticsSnapshot, User
from incidents.reports.statistics import (
    DAYS_TO_DECISION_SQL,
    Term,
    days_to_decision,
    decision_events,
    no_action_in_force,
    opened_month,
    responses_in_force,
    term_of,
    with_decision_times,
)
from policies.models import School, Trust

NO_FURTHER_ACTION = "No further action"  # as cases_by_response counts it
# Stored figures are refreshed hourly; older than this, the page says the worker has fallen behind.
LATE = datetime.timedelta(hours=2)


def trusts_led_by(user: User) -> QuerySet[Trust]:
    """The trusts whose statistics the user reads: those they are a trust leader of."""
    if not user.is_authenticated or not user.is_active:
        return Trust.objects.none()
    led = TrustMembership.objects.filter(user=user, leader=True).values("trust_id")
    return Trust.objects.filter(pk__in=led).order_by("name", "pk")


def may_see_trust_statistics(user: User) -> bool:
    return trusts_led_by(user).exists()


@dataclass(frozen=True)
class Figures:
    """One row of the statistics: a term, a school, or all of them."""

    label: str
    cases: int
    decided: int
    median_days: float | None
    by_response: list[tuple[str, int]]
    starts_on: datetime.date | None = None  # a term's row: the term's first day


@dataclass(frozen=True)
class TrustStatistics:
    trust: str
    by_term: list[Figures]  # the whole trust, term by term, latest first
    total: Figures  # the whole trust, all terms
    term: Term | None  # the term by_school is for; None: all terms together
    by_school: list[Figures]  # each school of the trust, in `term`
    schools_total: Figures  # all the schools in `term` (the total when all terms)
    computed_at: datetime.datetime | None = None  # stored figures: when they were worked out

    def as_at(self) -> str:
        """When the figures were worked out, as the reader says it: "06:00 today"."""
        if self.computed_at is None:
            return ""
        at = timezone.localtime(self.computed_at)
        today = timezone.localdate()
        day = ("today" if at.date() == today else "yesterday" if at.date() == today - datetime.timedelta(days=1)
               else f"on {at.day} {at:%B %Y}")
        return f"{at:%H:%M} {day}"

    @property
    def late(self) -> bool:
        """Not worked out again for longer than the hourly refresh should take: the worker is behind."""
        return self.computed_at is not None and timezone.now() - self.computed_at > LATE


# (school id, year, month): the cases a school opened in one month (local time)
CellKey = tuple[int, int, int]


@dataclass
class _Cell:
    """One school's cases opened in one month."""

    cases: int = 0
    days: list[int] = field(default_factory=list)
    responses: Counter[str] = field(default_factory=Counter)


def _figures(label: str, cells: Iterable[_Cell], starts_on: datetime.date | None = None) -> Figures:
    cases, days, responses = 0, [], Counter[str]()
    for cell in cells:
        cases += cell.cases
        days.extend(cell.days)
        responses.update(cell.responses)
    return Figures(label=label, cases=cases, decided=len(days), median_days=statistics.median(days) if days else None,
                   by_response=sorted(responses.items(), key=lambda item: (-item[1], item[0])), starts_on=starts_on)


def _days_cells_postgresql(schools: list[int]) -> dict[CellKey, _Cell]:
    """Each cell's number of cases and days to decision, in one grouped query: the decision events
    and first concerns are joined as two aggregates over index-only scans (migration 0029), not looked
    up case by case as with_decision_times does, which at 300,000 cases takes seconds. The two are not
    narrowed to the trust's cases: the join does that, and narrowing them first (a join to the cases
    each) was slower at 300 schools, the planner taking the decision events for a handful of rows."""
    year, month = opened_month()
    parts = [
        Case.objects.filter(school__in=schools).order_by().annotate(opened_year=year, opened_month=month)
        .values_list("pk", "school_id", "opened_at", "opened_year", "opened_month"),
        decision_events().order_by().values("case_id")
        .annotate(decided_at=Min("at")).values_list("case_id", "decided_at"),
        Concern.objects.order_by().values("case_id")
        .annotate(first_concern=Min("received_at")).values_list("case_id", "first_concern"),
    ]
    (cases_sql, cases_params), (decided_sql, decided_params), (first_sql, first_params) = (
        part.query.sql_with_params() for part in parts)
    # Only SQL the ORM compiled and constants go into the text; every value is a parameter.
    sql = (f"WITH c (id, school_id, opened_at, opened_year, opened_month) AS ({cases_sql}), "  # noqa: S608
           f"d (case_id, decided_at) AS ({decided_sql}), k (case_id, first_concern) AS ({first_sql}) "
           f"SELECT c.school_id, c.opened_year, c.opened_month, COUNT(*), "
           f"COALESCE(ARRAY_AGG({DAYS_TO_DECISION_SQL}) FILTER (WHERE decided_at IS NOT NULL), '{{}}') "
           f"FROM c LEFT JOIN d ON d.case_id = c.id LEFT JOIN k ON k.case_id = c.id GROUP BY 1, 2, 3")
    with connection.cursor() as cursor:
        cursor.execute(sql, (*cases_params, *decided_params, *first_params))
        return {(school, int(year), int(month)): _Cell(cases=n, days=list(days))
                for school, year, month, n, days in cursor.fetchall()}


def _days_cells(schools: list[int]) -> dict[CellKey, _Cell]:
    """Elsewhere (SQLite, the tests' database: small) one row a case, with the same definitions."""
    cells: dict[CellKey, _Cell] = {}
    year, month = opened_month()
    rows = with_decision_times(Case.objects.filter(school__in=schools)).annotate(
        opened_year=year, opened_month=month).values_list(
        "school_id", "opened_year", "opened_month", "opened_at", "first_concern", "decided_at")
    for school, year, month, opened_at, first_concern, decided_at in rows:
        cell = cells.setdefault((school, year, month), _Cell())
        cell.cases += 1
        if decided_at is not None:
            cell.days.append(days_to_decision(first_concern=first_concern, opened_at=opened_at, decided_at=decided_at))
    return cells


def _cells(schools: list[int]) -> dict[CellKey, _Cell]:
    """Three queries: cases and days to decision, responses, no further action."""
    cells = _days_cells_postgresql(schools) if connection.vendor == "postgresql" else _days_cells(schools)
    year, month = opened_month("decision__case__")
    chosen = (responses_in_force().filter(decision__case__school__in=schools)
              .annotate(opened_year=year, opened_month=month)
              .values_list("decision__case__school", "opened_year", "opened_month", "responsetype__name")
              .annotate(n=Count("decision__case", distinct=True)))
    for school, year, month, name, n in chosen:
        cells.setdefault((school, year, month), _Cell()).responses[name] += n
    year, month = opened_month("case__")
    no_action = (no_action_in_force().filter(case__school__in=schools).annotate(opened_year=year, opened_month=month)
                 .values_list("case__school", "opened_year", "opened_month").annotate(n=Count("case", distinct=True)))
    for school, year, month, n in no_action:
        cells.setdefault((school, year, month), _Cell()).responses[NO_FURTHER_ACTION] += n
    return cells


def _term(key: CellKey) -> Term:
    return term_of(datetime.date(key[1], key[2], 1))


def _by_term(cells: dict[CellKey, _Cell]) -> list[Figures]:
    terms: dict[datetime.date, tuple[str, list[_Cell]]] = {}
    for key, cell in cells.items():
        terms.setdefault(_term(key).starts_on, (_term(key).name, []))[1].append(cell)
    return [_figures(*terms[starts_on], starts_on=starts_on) for starts_on in sorted(terms, reverse=True)]


def _by_school(schools: list[tuple[int, str]], cells: dict[CellKey, _Cell],
               term: Term | None) -> tuple[list[Figures], Figures]:
    """Each school in `term` (all terms when None), and all of them."""
    in_term = [(key, cell) for key, cell in cells.items() if term is None or _term(key).starts_on == term.starts_on]
    per_school: dict[int, list[_Cell]] = {}
    for (school, _, _), cell in in_term:
        per_school.setdefault(school, []).append(cell)
    return ([_figures(name, per_school.get(pk, [])) for pk, name in schools],
            _figures("All schools", (cell for _, cell in in_term)))


def _schools(trust: Trust) -> list[tuple[int, str]]:
    return list(School.objects.filter(trust=trust).order_by("name", "pk").values_list("pk", "name"))


def trust_statistics(trust: Trust, *, term: Term | None = None) -> TrustStatistics:
    """The trust's figures: each term (latest first) and all terms; each of its schools in `term`
    (all terms together when None) and all its schools. Four queries, however many schools and terms.
    Worked out from the cases on each call: the page reads them stored (stored_trust_statistics)."""
    schools = _schools(trust)
    cells = _cells([pk for pk, _ in schools])
    by_school, schools_total = _by_school(schools, cells, term)
    return TrustStatistics(trust=trust.name, by_term=_by_term(cells), total=_figures("All terms", cells.values()),
                           term=term, by_school=by_school, schools_total=schools_total)


def _figures_json(row: Figures) -> dict[str, Any]:
    return {"label": row.label, "cases": row.cases, "decided": row.decided, "median_days": row.median_days,
            "by_response": [[name, n] for name, n in row.by_response],
            "starts_on": row.starts_on.isoformat() if row.starts_on else None}


def _figures_read(row: dict[str, Any]) -> Figures:
    return Figures(label=row["label"], cases=row["cases"], decided=row["decided"], median_days=row["median_days"],
                   by_response=[(name, n) for name, n in row["by_response"]],
                   starts_on=datetime.date.fromisoformat(row["starts_on"]) if row["starts_on"] else None)


ALL_TERMS = "all"  # the key of the schools' figures over all terms, beside each term's first day


def figures_as_json(trust: Trust) -> dict[str, Any]:
    """All the page can show of the trust, worked out from the cases (the four queries of
    trust_statistics, once for every term): what TrustStatisticsSnapshot.figures holds."""
    schools = _schools(trust)
    cells = _cells([pk for pk, _ in schools])
    by_term = _by_term(cells)
    per_term = {ALL_TERMS: _by_school(schools, cells, None)} | {
        row.starts_on.isoformat(): _by_school(schools, cells, term_of(row.starts_on))
        for row in by_term if row.starts_on}
    return {"by_term": [_figures_json(row) for row in by_term],
            "total": _figures_json(_figures("All terms", cells.values())),
            "schools": {key: {"by_school": [_figures_json(row) for row in by_school], "total": _figures_json(total)}
                        for key, (by_school, total) in per_term.items()}}


def _stored(row: dict[str, Any], term: Term | None, all_schools: list[dict[str, Any]]) -> TrustStatistics:
    if row["in_term"] is None:  # a term the trust had no case in: each school, with nothing
        by_school = [Figures(school["label"], 0, 0, None, []) for school in all_schools]
        schools_total = Figures("All schools", 0, 0, None, [])
    else:
        by_school = [_figures_read(school) for school in row["in_term"]["by_school"]]
        schools_total = _figures_read(row["in_term"]["total"])
    return TrustStatistics(
        trust=row["name"], by_term=[_figures_read(figures) for figures in row["by_term"]],
        total=_figures_read(row["total"]), term=term, by_school=by_school, schools_total=schools_total,
        computed_at=row["statistics_snapshot__computed_at"])


def stored_trust_statistics(user: User, *, term: Term | None = None) -> tuple[list[TrustStatistics], list[Trust]]:
    """The figures last stored for each trust the user leads, in one query and without reading a case;
    and the trusts they lead that have none stored yet (a trust the worker has not yet reached).

    Only the parts of the stored figures the page shows are read (the trust's terms, and its schools in
    `term`): at 300 schools the whole is 0.9 MB, the schools in each of sixteen terms."""
    figures = "statistics_snapshot__figures__"
    rows = list(trusts_led_by(user).values("pk", "name", "statistics_snapshot__computed_at").annotate(
        by_term=F(f"{figures}by_term"), total=F(f"{figures}total"),
        in_term=F(f"{figures}schools__{term.starts_on.isoformat() if term else ALL_TERMS}")))
    stored = [row for row in rows if row["statistics_snapshot__computed_at"] is not None]
    all_schools: dict[int, list[dict[str, Any]]] = {}
    if any(row["in_term"] is None for row in stored):
        all_schools = dict(TrustStatisticsSnapshot.objects.filter(trust__in=[row["pk"] for row in stored])
                           .values_list("trust_id", f"figures__schools__{ALL_TERMS}__by_school"))
    missing = [row["pk"] for row in rows if row["statistics_snapshot__computed_at"] is None]
    return ([_stored(row, term, all_schools.get(row["pk"], [])) for row in stored],
            list(Trust.objects.filter(pk__in=missing).order_by("name", "pk")) if missing else [])


def terms_with_cases(trusts: Iterable[TrustStatistics]) -> list[Term]:
    """The terms the trusts have cases in, latest first: the page's choice of term."""
    starts = {figures.starts_on for stats in trusts for figures in stats.by_term if figures.starts_on}
    return [term_of(day) for day in sorted(starts, reverse=True)]
