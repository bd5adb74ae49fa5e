"""Pages for adding evidence (a chat export is read as a chat), statements and contacts, and the only
way a file leaves Casebook: a permission-checked download as an attachment."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from incidents.access import permissions
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.cases import selectors as case_selectors
from incidents.chats import services as chat_services
from incidents.evidence import services, uploads
from incidents.evidence.forms import ContactForm, EvidenceForm, StatementForm
from incidents.models import Case, Evidence
from incidents.people.confidentiality import parent_facing, raiser_warning
from incidents.submissions import once_per_submission


@require_http_methods(["GET", "POST"])
def evidence_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    if not permissions.can_add_evidence(request.user, case):
        raise PermissionDenied
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]

        def write() -> str:
            if _is_chat_upload(upload.name, data["obtained"]):
                return _add_chat_evidence(request, case, upload, data)
            evidence = services.evidence_add(
                case=case, by=request.user, data=uploads.upload_read(upload, max_mb=case.school.evidence_max_mb),
                file_name=upload.name, provided_by=data["provided_by"], provided_at=data["provided_at"],
                obtained=data["obtained"], description=data["description"],
            )
            messages.success(request, f"Evidence added: {evidence.original_name} (SHA-256 {evidence.sha256[:12]}…).")
            _warn_if_raiser_named(request, case, evidence.description, where="The description")
            return case.get_absolute_url() + "#evidence"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error("file", error)
    return render(request, "incidents/evidence/form.html", {
        "case": case, "form": form, "title": "Add evidence", "button": "Add evidence", "multipart": True,
        # A chat export is read as it is uploaded: a few seconds for a long one.
        "busy": "Uploading and checking the file (a chat export is read too)…"})


def _is_chat_upload(name: str, obtained: str) -> bool:
    # A .zip is only ever accepted as a chat export (or a Word document, which is not named .zip).
    return obtained == Evidence.Obtained.CHAT_EXPORT or name.lower().endswith(".zip")


def _add_chat_evidence(request: AuthenticatedHttpRequest, case: Case, upload, data: dict) -> str:
    """Keep an exported chat and read it; the URL to go to next depends on whether it could be read."""
    result = chat_services.evidence_add_chat(
        case=case, by=request.user, data=uploads.upload_read(upload, max_mb=case.school.evidence_max_mb),
        file_name=upload.name, provided_by=data["provided_by"],
        provided_at=data["provided_at"], description=data["description"],
    )
    sha = f"(SHA-256 {result.evidence.sha256[:12]}…)"
    _warn_if_raiser_named(request, case, result.evidence.description, where="The description")
    if result.outcome == "not_a_chat":
        messages.warning(request, f"{result.message} {sha}")
        return case.get_absolute_url() + "#evidence"
    messages.success(request, f"Evidence added: {result.evidence.original_name} {sha}. {result.message}")
    name = "chat_detail" if result.outcome == "read" else "chat_date_order"
    assert result.chat_import is not None  # a chat that was read, or awaits its date order, has its import
    return reverse(f"incidents:{name}", args=[case.reference, result.chat_import.pk])


def _warn_if_raiser_named(request: AuthenticatedHttpRequest, case: Case, text: str, *, where: str) -> None:
    if warning := raiser_warning(parent_facing(case), text, where=where):
        messages.warning(request, warning)


@require_GET
def evidence_download(request: AuthenticatedHttpRequest, reference: str, pk: int) -> FileResponse:
    case = case_selectors.case_for(request.user, reference)
    evidence = get_object_or_404(case.evidence, pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing: run verify_integrity and tell the administrator.") from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def statement_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = StatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.statement_add(case=case, by=request.user, given_by=data["given_by"],
                                   given_on=data["given_on"], text=data["text"])
            messages.success(request, "Statement recorded.")
            _warn_if_raiser_named(request, case, data["text"], where="The statement")
            return case.get_absolute_url() + "#statements"

        return once_per_submission(request, data["submission_token"], write)
    return render(request, "incidents/form_page.html", {
        "case": case, "form": form, "title": "Record a statement", "button": "Save statement",
    })


@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = ContactForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.contact_record(
                case=case, by=request.user, happened_at=data["happened_at"], with_whom=data["with_whom"],
                method=data["method"], summary=data["summary"], agreed_actions=data["agreed_actions"],
                parent=data["parent"],
            )
            messages.success(request, "Contact recorded.")
            _warn_if_raiser_named(request, case, f"{data['summary']}\n{data['agreed_actions']}",
                                  where="The record of the contact")
            return case.get_absolute_url() + "#contacts"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "incidents/form_page.html", {
        "case": case, "form": form, "title": "Record a contact", "button": "Save contact",
    })
