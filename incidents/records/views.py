"""Pages for subject access requests and their exports, and for the disposal of cases past retention."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access import permissions
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.access.twofactor import recent_confirmation_required
from incidents.cases import selectors as case_selectors
from incidents.cases.views import FIND_PARENTS
from incidents.downloads import download_done
from incidents.models import CaseTombstone, SubjectAccessRequest
from incidents.records import selectors, services
from incidents.records.forms import ExportForm, SubjectAccessRequestForm
from incidents.records.subject_access import subject_access_export as build_export


@require_http_methods(["GET", "POST"])
@permissions.allowed_if(permissions.can_handle_subject_access)
def subject_access_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    school = request.school
    if FIND_PARENTS in request.POST:  # "Find" without JavaScript: the form again, with the parents found
        form = SubjectAccessRequestForm(initial=SubjectAccessRequestForm.initial_from(request.POST), school=school)
    else:
        form = SubjectAccessRequestForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = form.cleaned_data
        access_request = services.subject_access_request_record(
            by=request.user, parent=data["parent"], received_on=data["received_on"],
            how_received=data["how_received"], notes=data["notes"])
        messages.success(request, f"Request recorded. Answer by {access_request.due_on:%-d %B %Y}.")
        return redirect("incidents:subject_access_list")
    requests = SubjectAccessRequest.objects.select_related("parent").order_by("status", "due_on")
    return render(request, "incidents/records/requests.html", {
        "form": form, "requests": requests, "export_form": ExportForm(), "today": timezone.localdate(),
    })


@require_GET
@permissions.allowed_if(permissions.can_handle_subject_access)
def subject_access_parent_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: the request form's parent search (large schools): the parent chosen, then the matches."""
    form = SubjectAccessRequestForm(initial={"parent_search": request.GET.get("parent_search", ""),
                                             "parent": request.GET.get("parent")},
                                    school=request.school, search_parents=True)
    return render(request, "incidents/cases/_parent_choices.html", {"form": form, "field": form["parent"]})


@require_POST
@recent_confirmation_required(guard=permissions.role_guard(permissions.can_handle_subject_access))
def subject_access_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access_request = get_object_or_404(SubjectAccessRequest, pk=pk, parent__school=request.school)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(message) for errors in form.errors.values() for message in errors))
        return redirect("incidents:subject_access_list")
    disclose, reason = form.cleaned_data["disclose_others"], form.cleaned_data["disclosure_reason"]
    name, data = build_export(access_request=access_request, disclose_others=disclose)
    services.subject_access_export_record(access_request=access_request, by=request.user, disclosed=disclose,
                                          reason=reason)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return download_done(request, response)


@require_POST
@permissions.allowed_if(permissions.can_handle_subject_access)
def subject_access_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access_request = get_object_or_404(SubjectAccessRequest, pk=pk, parent__school=request.school)
    services.subject_access_request_complete(access_request=access_request, by=request.user, on=timezone.localdate())
    messages.success(request, "Marked as answered.")
    return redirect("incidents:subject_access_list")


@require_GET
@permissions.allowed_if(permissions.can_handle_subject_access)
def disposal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    school = request.school
    return render(request, "incidents/records/disposal.html", {
        "due": selectors.cases_due_for_disposal(school=school, today=timezone.localdate()),
        "tombstones": CaseTombstone.objects.select_related("authorised_by")[:100],
        "school": school,
    })


@require_POST
@recent_confirmation_required(guard=permissions.role_guard(permissions.can_handle_subject_access))
def case_dispose(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    try:
        services.case_dispose(case=case, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{reference} was disposed of. A record of the disposal is kept.")
    return redirect("incidents:disposal_list")
