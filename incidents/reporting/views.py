"""The public report form (no sign-in: parents and group moderators) and the office's queue of the
concerns it brings in. Thin: reads through the selectors, writes through the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access import permissions
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.access.schools import school_of
from incidents.cases.views import FIND_PARENTS
from incidents.evidence import uploads
from incidents.models import Concern
from incidents.reporting import selectors, services
from incidents.reporting.forms import DismissForm, FileForm, ReportForm
from incidents.reporting.ratelimit import report_post_allowed
from incidents.submissions import already_handled, once_per_submission
from policies.models import School

RECEIPT = "casebook_report_receipt"
DEALT_WITH_SHOWN = 20


def _closed(request: HttpRequest, school: School | None) -> HttpResponse:
    return render(request, "incidents/reporting/closed.html", {"school": school})


def _thanks(request: HttpRequest, receipt: str) -> HttpResponse:
    request.session[RECEIPT] = receipt
    return redirect("incidents:online_report_thanks")


@login_not_required
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, code: str = "") -> HttpResponse:
    """The public form: /report/HIL/ for the school of that code, /report/ for the installation's first.
    A filled-in hidden box (a program, not a person) gets the same thank-you page and receipt as a real
    report, and nothing is kept; too many posts from one address are refused."""
    school = get_object_or_404(School, code=code) if code else school_of(request)
    if school is None or not school.online_reporting:
        return _closed(request, school)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not report_post_allowed(request):
            return render(request, "incidents/reporting/too_many.html", {"school": school}, status=429)
        if form.is_spam():
            return _thanks(request, services.receipt_make())
        if form.is_valid():
            data = form.cleaned_data
            try:
                sent = [services.SentFile(upload.name, uploads.upload_read(upload, max_mb=school.evidence_max_mb))
                        for upload in data["screenshots"]]
                concern = services.concern_report(
                    school=school, description=data["description"], channel=data["channel"],
                    where_detail=data["where_detail"], happened_on=data["happened_on"], about=data["about"],
                    reporter_is=data["reporter_is"], name=data["name"], contact=data["contact"],
                    anonymous_to_parent=data["anonymous_to_parent"], files=sent,
                )
            except ValidationError as error:
                form.add_error("screenshots", error)
            except services.ReportingClosed:
                return _closed(request, school)
            else:
                assert concern.receipt is not None
                return _thanks(request, concern.receipt)
    return render(request, "incidents/reporting/form.html", {"form": form, "school": school})


@login_not_required
@require_GET
def report_thanks(request: HttpRequest) -> HttpResponse:
    receipt = request.session.get(RECEIPT)
    if not receipt:
        return redirect("incidents:online_report")
    return render(request, "incidents/reporting/thanks.html", {"receipt": receipt, "school": school_of(request)})


@require_GET
@permissions.allowed_if(permissions.can_log_concern)
def reported_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "incidents/reporting/queue.html", {
        "awaiting": selectors.reported_concerns_awaiting(school=request.school).prefetch_related("reported_files"),
        "dealt_with": selectors.reported_concerns_dealt_with(school=request.school)[:DEALT_WITH_SHOWN],
    })


def _detail(request: AuthenticatedHttpRequest, concern: Concern, *, file_form: FileForm | None = None,
            dismiss_form: DismissForm | None = None) -> HttpResponse:
    return render(request, "incidents/reporting/detail.html", {
        "concern": concern,
        "files": concern.reported_files.select_related("evidence"),
        "form": file_form or FileForm(school=request.school, user=request.user),
        "dismiss_form": dismiss_form or DismissForm(),
    })


@require_GET
@permissions.allowed_if(permissions.can_log_concern)
def reported_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.reported_concern(pk, school=request.school))


@require_POST
@permissions.allowed_if(permissions.can_log_concern)
def reported_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open a case from the concern, or add it to the open case named by its reference."""
    concern = selectors.reported_concern(pk, school=request.school)
    school = request.school
    if handled := already_handled(request):
        return handled
    if FIND_PARENTS in request.POST:
        # "Find" without JavaScript: the form again with the parents found; nothing is checked or saved yet.
        found = FileForm(initial=FileForm.initial_from(request.POST), school=school, user=request.user)
        return _detail(request, concern, file_form=found)
    form = FileForm(request.POST, school=school, user=request.user)
    if form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            parents, existing = list(data["parents"]), data["case_reference"]
            if existing is None:
                case = services.reported_concern_open_case(concern=concern, by=request.user, parents=parents,
                                                           safeguarding=data["safeguarding"])
                messages.success(request, f"Case {case.reference} opened from the concern reported online.")
            else:
                case = services.reported_concern_attach(concern=concern, by=request.user, case=existing,
                                                        parents=parents, safeguarding=data["safeguarding"])
                messages.success(request, f"The concern reported online is now on {case.reference}.")
            return case.get_absolute_url()

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _detail(request, concern, file_form=form)


@require_POST
@permissions.allowed_if(permissions.can_log_concern)
def reported_dismiss(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    concern = selectors.reported_concern(pk, school=request.school)
    form = DismissForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.reported_concern_dismiss(concern=concern, by=request.user, reason=data["reason"])
            messages.success(request, f"Recorded as not a concern ({concern.receipt}).")
            return reverse("incidents:reported_list")

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _detail(request, concern, dismiss_form=form)


@require_GET
@permissions.allowed_if(permissions.can_log_concern)
def reported_file_download(request: AuthenticatedHttpRequest, pk: int, file_pk: int) -> FileResponse:
    concern = selectors.reported_concern(pk, school=request.school)
    sent = get_object_or_404(concern.reported_files, pk=file_pk)
    try:
        handle = sent.file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing: run verify_integrity and tell the administrator.") from None
    response = FileResponse(handle, as_attachment=True, filename=sent.original_name, content_type=sent.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
