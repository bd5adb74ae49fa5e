"""The trust's statistics, at /trust/: for its leaders, anonymised (incidents.trusts.selectors)."""

import datetime

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents.access.permissions import allowed_if
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.reports.statistics import Term, term_of
from incidents.trusts import selectors


def _term_asked(value: str) -> Term | None:
    """The term `?term=` names by its first day (2026-09-01), or None (all terms) for anything else."""
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    term = term_of(day)
    return term if term.starts_on == day else None


@require_GET
@allowed_if(selectors.may_see_trust_statistics)
def trust_statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Counts, responses and time to decision across the trust's schools: the trust term by term, and
    each school in the term chosen (all terms together unless one is asked for)."""
    term = _term_asked(request.GET.get("term", ""))
    trusts = [selectors.trust_statistics(trust, term=term) for trust in selectors.trusts_led_by(request.user)]
    return render(request, "incidents/trusts/statistics.html", {
        "trusts": trusts, "term": term, "terms": selectors.terms_with_cases(trusts)})
