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
"""

import datetime
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Min, QuerySet

from incidents.models import Case, Concern, TrustMembership, User
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


def trust_statistics(trust: Trust, *, term: Term | None = None) -> TrustStatistics:
    """The trust's figures: each term (latest first) and all terms; each of its schools in `term`
    (all terms together when None) and all its schools. Four queries, however many schools and terms."""
    schools = list(School.objects.filter(trust=trust).order_by("name", "pk").values_list("pk", "name"))
    cells = _cells([pk for pk, _ in schools])
    terms: dict[datetime.date, tuple[str, list[_Cell]]] = {}
    for key, cell in cells.items():
        terms.setdefault(_term(key).starts_on, (_term(key).name, []))[1].append(cell)
    by_term = [_figures(*terms[starts_on], starts_on=starts_on) for starts_on in sorted(terms, reverse=True)]
    in_term = [(key, cell) for key, cell in cells.items() if term is None or _term(key).starts_on == term.starts_on]
    per_school: dict[int, list[_Cell]] = {}
    for (school, _, _), cell in in_term:
        per_school.setdefault(school, []).append(cell)
    return TrustStatistics(
        trust=trust.name, by_term=by_term, total=_figures("All terms", cells.values()), term=term,
        by_school=[_figures(name, per_school.get(pk, [])) for pk, name in schools],
        schools_total=_figures("All schools", (cell for _, cell in in_term)),
    )


def terms_with_cases(trusts: Iterable[TrustStatistics]) -> list[Term]:
    """The terms the trusts have cases in, latest first: the page's choice of term."""
    starts = {figures.starts_on for stats in trusts for figures in stats.by_term if figures.starts_on}
    return [term_of(day) for day in sorted(starts, reverse=True)]
