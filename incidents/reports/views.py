"""Reports for the Head Teacher and governors: the overview, the cases as CSV, the termly PDF."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents.access.permissions import allowed_if, role_guard
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.access.twofactor import recent_confirmation_required
from incidents.downloads import download_done
from incidents.reports import statistics as reports
from incidents.roles import Role
from policies.pdf import html_to_pdf


def _charts(report: reports.Report) -> dict:
    charts = {
        "per_month": reports.bar_chart(title="Cases opened per month, last 12 months", rows=report.per_month,
                                       chart_id="chart-month"),
        "by_category": reports.bar_chart(title="Cases by breach category", rows=report.by_category,
                                         chart_id="chart-category") if report.by_category else None,
        "repeat": reports.bar_chart(title="Parents with more than one case", rows=report.repeat,
                                    chart_id="chart-repeat"),
    }
    if report.by_response:
        charts["by_response"] = reports.bar_chart(title="Cases by response", rows=report.by_response,
                                                  chart_id="chart-response")
    return charts


@require_GET
@allowed_if(reports.may_see_reports)
def report_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Statistics and charts: for the Head Teacher, of every case; for governors, anonymised."""
    is_head = request.user.has_role(Role.HEAD)
    today = timezone.localdate()
    cases = reports.statistics_cases(request.user)
    report = reports.report_for(cases, today=today, scope="All cases")
    return render(request, "incidents/reports/overview.html", {
        "report": report, "charts": _charts(report), "is_head": is_head, "term": reports.term_of(today),
    })


@require_GET
@recent_confirmation_required(guard=role_guard(reports.may_see_reports))
def report_cases_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One row per case, with no names or descriptions; the Head Teacher's export carries references."""
    is_head = request.user.has_role(Role.HEAD)
    text = reports.cases_csv(reports.statistics_cases(request.user), named=is_head)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cases-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@require_GET
@recent_confirmation_required(guard=role_guard(reports.may_see_reports))
def report_termly_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The anonymised termly report for governors, as a PDF: counts only, no names of anyone."""
    term = reports.term_of(timezone.localdate())
    report = reports.termly_report(term=term, school=request.school)
    html = render_to_string("incidents/reports/termly_pdf.html", {
        "report": report, "charts": _charts(report), "term": term, "school": request.school,
        "made_on": timezone.localdate(),
    })
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="termly-report-{term.starts_on:%Y-%m}.pdf"'
    return download_done(request, response)
