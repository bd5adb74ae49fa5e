"""The school's settings at /settings/: profile and letterhead, nation and term dates, the periods and
limits, and the record of every change. Administrators change them; the Head Teacher reads them."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access.permissions import allowed_if, may_change_settings, may_read_settings
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.administration import selectors, services
from incidents.administration.forms import SchoolProfileForm, SchoolReportingForm, SchoolRulesForm, TermClosureForm
from incidents.evidence import uploads
from incidents.letters.pdf import sample_letter_html
from policies.models import LetterTemplate, TermHoliday
from policies.pdf import PdfRenderError, html_to_pdf
from policies.templating import LetterRenderError, render_letter_template, sample_letter_context


@require_GET
@allowed_if(may_read_settings)
def settings_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    school = request.school
    return render(request, "incidents/administration/settings.html", {
        "school": school, "years": selectors.school_years(school=school, today=datetime.date.today()),
        "may_change": may_change_settings(request.user),
        "events": selectors.administration_events(school=school, limit=10),
    })


def _school_form_page(request: AuthenticatedHttpRequest, form_class, *, title: str, multipart: bool = False):
    school = request.school
    form = form_class(request.POST or None, request.FILES or None, instance=request.school)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form_class._meta.fields}
        event = services.school_settings_change(school=school, by=request.user, changes=changes)
        messages.success(request, event.summary if event else "Nothing changed.")
        return redirect("incidents:settings")
    return render(request, "incidents/administration/settings_form.html", {
        "form": form, "title": title, "multipart": multipart,
    })


@require_http_methods(["GET", "POST"])
@allowed_if(may_change_settings)
def settings_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _school_form_page(request, SchoolProfileForm, title="School profile and letterhead", multipart=True)


@require_http_methods(["GET", "POST"])
@allowed_if(may_change_settings)
def settings_rules(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _school_form_page(request, SchoolRulesForm, title="Nation, periods and limits")


@require_http_methods(["GET", "POST"])
@allowed_if(may_change_settings)
def settings_reporting(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _school_form_page(request, SchoolReportingForm, title="Report form for parents")


@require_http_methods(["GET", "POST"])
@allowed_if(may_change_settings)
def settings_terms(request: AuthenticatedHttpRequest) -> HttpResponse:
    school = request.school
    form = TermClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closure = services.term_closure_add(school=school, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Added: {closure}.")
            return redirect("incidents:settings_terms")
    return render(request, "incidents/administration/terms.html", {
        "school": school, "form": form,
        "years": selectors.school_years(school=school, today=datetime.date.today()),
    })


@require_POST
@allowed_if(may_change_settings)
def settings_term_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    closure = get_object_or_404(TermHoliday, pk=pk, school=request.school)
    services.term_closure_remove(closure=closure, by=request.user)
    messages.success(request, f"Removed: {closure}.")
    return redirect("incidents:settings_terms")


@require_GET
@allowed_if(may_read_settings)
def settings_logo(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The logo, from private storage, as the image it was checked to be; never guessed by the browser."""
    school = request.school
    if not school.logo:
        raise Http404
    try:
        with school.logo.open("rb") as handle:
            data = handle.read()
        kind = uploads.identify(data)
    except (FileNotFoundError, ValidationError):
        raise Http404 from None
    if kind.content_type not in ("image/png", "image/jpeg"):
        raise Http404
    response = HttpResponse(data, content_type=kind.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@allowed_if(may_read_settings)
def settings_sample_letter(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A cautionary notice with made-up details on the school's letterhead, as a PDF."""
    school = request.school
    template = LetterTemplate.objects.filter(school=school, purpose=LetterTemplate.Purpose.WARNING).first()
    version = template.current_version if template else None
    if version is None:
        messages.error(request, "There is no cautionary notice template to print a sample letter with.")
        return redirect("incidents:settings")
    today = datetime.date.today()
    context = sample_letter_context(school, today=today)
    try:
        subject = render_letter_template(version.subject, context)
        body = render_letter_template(version.body, context)
        pdf = html_to_pdf(sample_letter_html(school, template_body=version.body, subject=subject, body=body,
                                             reference=context["case_reference"], date=today))
    except (LetterRenderError, PdfRenderError) as error:
        messages.error(request, "The sample letter could not be printed: " + " ".join(error.messages))
        return redirect("incidents:settings")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="sample-letter.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@allowed_if(may_read_settings)
def settings_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "incidents/administration/history.html", {
        "events": selectors.administration_events(school=request.school, limit=500),
    })
