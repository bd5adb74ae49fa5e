"""The trust's statistics, at /trust/: for its leaders, anonymised (incidents.trusts.selectors)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents.access.permissions import allowed_if
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.trusts import selectors


@require_GET
@allowed_if(selectors.may_see_trust_statistics)
def trust_statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Counts, responses and time to decision across the trust's schools, by school and by term."""
    trusts = [selectors.trust_statistics(trust) for trust in selectors.trusts_led_by(request.user)]
    return render(request, "incidents/trusts/statistics.html", {"trusts": trusts})
