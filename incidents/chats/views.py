"""Chats read from exported evidence: choosing the date order, the conversation, marks, media.

Every view starts from `case_selectors.case_for` (404 for a case the user may not see), then finds the
chat among that case's chats (404 otherwise).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access import permissions
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.cases import selectors as case_selectors
from incidents.cases import services as case_services
from incidents.chats import selectors, services
from incidents.chats.forms import ChatDateOrderForm, ChatMarkForm
from incidents.models import Case, ChatImport, ChatMessage
from incidents.people.confidentiality import people_as_seen_by
from policies.models import Clause


def _chat_url(case: Case, chat_import: ChatImport, *, page: int | None = None,
              message: ChatMessage | None = None) -> str:
    url = reverse("incidents:chat_detail", args=[case.reference, chat_import.pk])
    if page:
        url += f"?page={page}"
    if message is not None:
        url += f"#m{message.pk}"
    return url


@require_http_methods(["GET", "POST"])
def chat_date_order(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    chat_import = selectors.chat_import_for(case, pk)
    if not permissions.can_add_evidence(request.user, case):
        raise PermissionDenied
    if chat_import.status == ChatImport.Status.READ:
        return redirect(_chat_url(case, chat_import))
    form = ChatDateOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chat_import_choose_date_order(
                chat_import=chat_import, date_order=form.cleaned_data["date_order"], by=request.user
            )
        except (ValidationError, services.ChatEvidenceChanged) as error:
            form.add_error(None, getattr(error, "messages", [str(error)]))
        else:
            chat_import.refresh_from_db()
            messages.success(request, f"Chat read: {chat_import.message_count} messages and events.")
            return redirect(_chat_url(case, chat_import))
    try:
        first_lines = services.chat_evidence_text(evidence=chat_import.evidence).splitlines()[:8]
    except services.ChatEvidenceChanged as error:
        first_lines = []
        messages.error(request, str(error))
    return render(request, "incidents/chats/date_order.html", {
        "case": case, "chat_import": chat_import, "form": form, "first_lines": first_lines,
    })


@require_GET
def chat_detail(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    chat_import = selectors.chat_import_for(case, pk)
    if chat_import.status != ChatImport.Status.READ:
        return redirect("incidents:chat_date_order", case.reference, chat_import.pk)
    case_services.case_access_record(case=case, user=request.user)
    query = request.GET.get("q", "").strip()[:200]
    page = selectors.chat_messages_page(chat_import, query=query, page=request.GET.get("page"))
    entries = list(page.object_list)
    can_work = permissions.can_work_on_case(request.user, case)
    media = {item.base_name: item for item in chat_import.media.all()}
    marks = selectors.chat_active_marks(chat_import, [entry.key for entry in entries])
    clauses = list(Clause.objects.filter(version=case.policy_version_id)) if can_work else []
    rows = [{"message": entry, "marks": marks.get(entry.key, []), "page_in_chat": selectors.chat_page_of(entry),
             "media": media.get(entry.media_name) if entry.media_name else None} for entry in entries]
    return render(request, "incidents/chats/detail.html", {
        "case": case, "chat_import": chat_import, "page": page, "rows": rows, "query": query,
        "can_work": can_work, "clauses": clauses, "marked_count": sum(len(v) for v in marks.values()),
        "unlinked_media": _media_without_message(chat_import, media) if page.number == 1 and not query else [],
        "people": people_as_seen_by(request.user, case),
    })


def _media_without_message(chat_import: ChatImport, media: dict) -> list:
    """Files in the zip that no message names: still evidence, so listed rather than hidden."""
    named = set(chat_import.messages.exclude(media_name="").values_list("media_name", flat=True))
    return [item for name, item in media.items() if name not in named]


def _message_for_change(request: AuthenticatedHttpRequest, reference: str, pk: int, message_pk: int):
    case = case_selectors.case_for(request.user, reference)
    chat_import = selectors.chat_import_for(case, pk)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    message = get_object_or_404(chat_import.messages, pk=message_pk)
    return case, chat_import, message


def _after_change(request: AuthenticatedHttpRequest, case: Case, chat_import: ChatImport, message: ChatMessage,
                  error: str = "") -> HttpResponse:
    if request.htmx:
        media = next((item for item in chat_import.media.all() if item.base_name == message.media_name), None)
        marks = selectors.chat_active_marks(chat_import, [message.key]).get(message.key, [])
        row = {"message": message, "marks": marks, "media": media if message.media_name else None}
        clauses = list(Clause.objects.filter(version=case.policy_version_id))
        return render(request, "incidents/chats/_message.html", {
            "case": case, "chat_import": chat_import, "row": row, "can_work": True, "clauses": clauses, "query": "",
            "error": error, "people": people_as_seen_by(request.user, case),
        })
    if error:
        messages.error(request, error)
    return redirect(_chat_url(case, chat_import, page=selectors.chat_page_of(message), message=message))


@require_POST
def chat_message_mark(request: AuthenticatedHttpRequest, reference: str, pk: int, message_pk: int) -> HttpResponse:
    case, chat_import, message = _message_for_change(request, reference, pk, message_pk)
    form = ChatMarkForm(request.POST, case=case)
    if not form.is_valid():
        return _after_change(request, case, chat_import, message,
                             error="Choose a clause of the policy in force when the incident happened.")
    try:
        mark = services.chat_message_mark(message=message, clause=form.cleaned_data["clause"], by=request.user,
                                          note=form.cleaned_data["note"])
    except ValidationError as error:
        return _after_change(request, case, chat_import, message, error=" ".join(error.messages))
    if not request.htmx:
        messages.success(request, f"Message marked as breaching clause {mark.clause.number}.")
    return _after_change(request, case, chat_import, message)


@require_POST
def chat_mark_remove(
    request: AuthenticatedHttpRequest, reference: str, pk: int, message_pk: int, mark_pk: int
) -> HttpResponse:
    case, chat_import, message = _message_for_change(request, reference, pk, message_pk)
    mark = get_object_or_404(chat_import.marks, pk=mark_pk, message_key=message.key)
    services.chat_mark_remove(mark=mark, by=request.user)
    if not request.htmx:
        messages.success(request, f"Mark (clause {mark.clause.number}) removed. It stays on the case's record.")
    return _after_change(request, case, chat_import, message)


@require_POST
def chat_rebuild(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    chat_import = selectors.chat_import_for(case, pk)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    try:
        services.chat_import_rebuild(chat_import=chat_import, by=request.user)
    except (ValidationError, services.ChatEvidenceChanged) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "Conversation read again from the original file. Marks are kept.")
    return redirect(_chat_url(case, chat_import))


@require_GET
def chat_media(request: AuthenticatedHttpRequest, reference: str, pk: int, media_pk: int) -> FileResponse:
    """A file from the chat's zip: PNG and JPEG shown inline (their bytes were checked), all else downloaded."""
    case = case_selectors.case_for(request.user, reference)
    chat_import = selectors.chat_import_for(case, pk)
    item = selectors.chat_media_for(chat_import, media_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing: tell the administrator.") from None
    response = FileResponse(handle, as_attachment=not item.is_image, filename=item.base_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
