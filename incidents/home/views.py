"""Each role's home page, and the page of every deadline they may see."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents.access.requests import AuthenticatedHttpRequest
from incidents.home import dashboard


@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each person's dashboard: what awaits them, the nearest deadlines of the next 14 days, their
    open cases, counts."""
    today = timezone.localdate()
    page = dashboard.home_page(request.user, school=request.school, today=today)
    return render(request, "incidents/home/home.html", {
        "panels": page.panels,
        "deadlines": page.deadlines,
        "deadline_days": dashboard.DEADLINE_DAYS,
        "today": today,
        "my_open_cases": page.my_open_cases,
        "my_counts": page.my_counts,
        "counts": page.counts,
    })


@require_GET
def deadline_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The deadlines of the next 14 days that concern this person, beyond the home page's ten."""
    today = timezone.localdate()
    school = request.school
    deadlines = (dashboard.upcoming_deadlines(request.user, school=school, today=today,
                                              limit=dashboard.DEADLINE_LIST_SIZE) if school else None)
    return render(request, "incidents/home/deadline_list.html", {
        "deadlines": deadlines, "deadline_days": dashboard.DEADLINE_DAYS, "today": today,
    })
