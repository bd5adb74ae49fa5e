"""What a trust's leaders read: anonymised statistics across the trust's schools, by school and by term.

Counts, the responses decided (the schools' own names for them), and the median days from the first
concern to the decision; never a name, a case reference or title, or anything written about a case.
Each school's figures come from the same queries as its own reports (incidents.reports.statistics),
over that school's cases only; a school outside the trust is never read.
"""

import datetime
import statistics
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import Case, TrustMembership, User
from incidents.reports.statistics import cases_by_response, decision_days_by_case, term_of
from policies.models import School, Trust


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
    """One row of the statistics: a school, or a school in one term."""

    school: str
    term: str
    cases: int
    decided: int
    median_days: float | None
    by_response: list[tuple[str, int]]


@dataclass(frozen=True)
class TrustStatistics:
    trust: str
    by_school: list[Figures]
    by_term: list[Figures]
    total: Figures


def _figures(cases: QuerySet[Case], *, school: str, term: str = "") -> Figures:
    days = list(decision_days_by_case(cases).values())
    return Figures(school=school, term=term, cases=cases.count(), decided=len(days),
                   median_days=statistics.median(days) if days else None,
                   by_response=cases_by_response(cases) or [])


def _by_term(school: School, cases: QuerySet[Case]) -> list[tuple[datetime.date, Figures]]:
    """(term's first day, figures) for each term in which the school opened a case."""
    terms: dict[datetime.date, tuple[str, list[int]]] = {}
    for pk, opened_at in cases.values_list("pk", "opened_at"):
        term = term_of(timezone.localtime(opened_at).date())
        terms.setdefault(term.starts_on, (term.name, []))[1].append(pk)
    return [(starts_on, _figures(cases.filter(pk__in=pks), school=school.name, term=name))
            for starts_on, (name, pks) in terms.items()]


def trust_statistics(trust: Trust) -> TrustStatistics:
    """The trust's figures: each of its schools, each school in each term (latest first), and the trust."""
    schools = list(School.objects.filter(trust=trust).order_by("name", "pk"))
    by_school: list[Figures] = []
    by_term: list[tuple[datetime.date, Figures]] = []
    for school in schools:
        cases = Case.objects.filter(school=school)
        by_school.append(_figures(cases, school=school.name))
        by_term.extend(_by_term(school, cases))
    by_term.sort(key=lambda row: (-row[0].toordinal(), row[1].school))
    return TrustStatistics(trust=trust.name, by_school=by_school, by_term=[figures for _, figures in by_term],
                           total=_figures(Case.objects.filter(school__in=schools), school="All schools"))
