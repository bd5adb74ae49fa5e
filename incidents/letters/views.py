"""Letter pages: prepare, preview, approve, issue, the register and the PDF download.

Every letter is found through selectors.letter_for / letters_visible_to, which start from
cases_visible_to: a letter of a case the user cannot see is a 404, its PDF included.
"""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access import permissions
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.access.twofactor import recent_confirmation_required
from incidents.cases import selectors as case_selectors
from incidents.cases import services as case_services
from incidents.cases.paging import CappedPaginator, page_by_ids
from incidents.letters import selectors, services, steps
from incidents.letters.context import PARTS_BY_NAME
from incidents.letters.forms import IssueForm, LetterFilter, LetterForm, letter_form_initial
from incidents.models import Letter
from incidents.notifications import selectors as notification_selectors
from incidents.parents import selectors as parent_selectors
from incidents.submissions import once_per_submission


def _detail_url(letter: Letter) -> str:
    return reverse("incidents:letter_detail", args=[letter.pk])


@require_GET
def letter_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    listed = selectors.letters_visible_to(request.user, for_page=True)
    letter_filter = LetterFilter(request.GET or None, queryset=listed)
    letters = letter_filter.qs if letter_filter.is_bound and letter_filter.is_valid() else listed
    counted = selectors.letters_visible_to(request.user)
    if letter_filter.is_bound and letter_filter.is_valid():
        counted = LetterFilter(request.GET, queryset=counted).qs
    page = page_by_ids(letters.order_by("-created_at", "-id"), per_page=25, number=request.GET.get("page"),
                       paginator_class=CappedPaginator, count_from=counted,
                       load=Letter.objects.select_related(*selectors.LETTER_RELATED))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "incidents/letters/register.html", {
        "filter": letter_filter, "page": page, "query": query.urlencode(), "cap": CappedPaginator.cap,
    })


@require_http_methods(["GET", "POST"])
def letter_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    if not permissions.can_prepare_letter(request.user, case):
        raise PermissionDenied
    purpose = request.POST.get("purpose") or request.GET.get("purpose")
    step = None
    if request.GET.get("step"):
        try:
            step = steps.step_for_token(case, request.GET["step"])
        except ValidationError:
            raise Http404("No such step on this case.") from None
        existing = steps.step_letters(step).filter(next_version__isnull=True).first()
        if existing is not None:
            messages.info(request, "This step already has its letter: change it, or prepare a new version of it.")
            return redirect(_detail_url(existing))
        purpose = steps.step_letter_purpose(step)
        if not purpose:
            raise Http404("This step needs no letter.")
    form = LetterForm(request.POST or None, case=case, purpose=purpose, fixed_purpose=step is not None,
                      recorded=steps.recorded_parts(step) if step is not None else {})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = form.recipient_parent()

        def write() -> str:
            letter = services.letter_start(
                case=case, purpose=data["purpose"], by=request.user, recipient=recipient,
                recipient_details=None if recipient else form.recipient_details(), parts=form.parts(), step=step,
            )
            messages.success(request, "Letter drafted. Check the preview, then prepare the PDF.")
            return _detail_url(letter)

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "incidents/letters/form.html", {
        "case": case, "form": form, "title": "Prepare a letter", "button": "Draft the letter",
        "purposes": [] if step is not None else cast(forms.ChoiceField, form.fields["purpose"]).choices,
        "chosen": form["purpose"].value(), "step_label": steps.step_label(step) if step is not None else "",
    })


@require_GET
def letter_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_for(request.user, pk)
    case_services.case_access_record(case=letter.case, user=request.user)
    return render(request, "incidents/letters/detail.html", {
        "letter": letter,
        "case": letter.case,
        "parts": [(PARTS_BY_NAME[name].label, value) for name, value in letter.parts.items()
                  if name in PARTS_BY_NAME and value],
        "versions": Letter.objects.filter(case=letter.case, purpose=letter.purpose).order_by("version"),
        "can_prepare": permissions.can_prepare_letter(request.user, letter.case),
        "can_approve": permissions.can_approve_letter(request.user),
        "can_issue": permissions.can_issue_letter(request.user),
        "can_resend_email": permissions.can_resend_email(request.user),
        "email": notification_selectors.letter_email(letter),
        "can_print_paper_copy": permissions.can_issue_letter(request.user)
        and parent_selectors.paper_copy_possible(letter),
        "issue_form": IssueForm(),
    })


@require_http_methods(["GET", "POST"])
def letter_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_for(request.user, pk)
    if not permissions.can_prepare_letter(request.user, letter.case):
        raise PermissionDenied
    if letter.status != Letter.Status.DRAFT:
        messages.error(request, "Only a draft can be changed.")
        return redirect(_detail_url(letter))
    step = letter.step
    form = LetterForm(request.POST or None, case=letter.case, purpose=letter.purpose, fixed_purpose=True,
                      initial=letter_form_initial(letter),
                      recorded=steps.recorded_parts(step) if step is not None else {})
    if request.method == "POST" and form.is_valid():
        recipient = form.recipient_parent()
        try:
            services.letter_update(letter=letter, by=request.user, parts=form.parts(), recipient=recipient,
                                   recipient_details=None if recipient else form.recipient_details())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Letter saved.")
            return redirect(_detail_url(letter))
    return render(request, "incidents/letters/form.html", {
        "case": letter.case, "form": form, "letter": letter, "title": "Change the letter", "button": "Save",
    })


def _status_fragment(request: AuthenticatedHttpRequest, letter: Letter) -> HttpResponse:
    return render(request, "incidents/letters/_render_status.html", {"letter": letter})


@require_POST
def letter_render(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask for the PDF. Only enqueues (with a real broker): the page then polls the status fragment."""
    letter = selectors.letter_for(request.user, pk)
    if not permissions.can_prepare_letter(request.user, letter.case):
        raise PermissionDenied
    try:
        letter = services.letter_request_pdf(letter=letter)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.headers.get("HX-Request"):
        return _status_fragment(request, letter)
    return redirect(_detail_url(letter))


@require_GET
def letter_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """htmx: the small status block, polled every second while the PDF is being prepared."""
    letter = selectors.letter_for(request.user, pk)
    if letter.render_state == Letter.RenderState.PENDING and letter.render_error == services.LETTER_WAITING_FOR_QUEUE:
        services.letter_enqueue_render(letter_id=letter.pk)  # the queue may be back: try again
        letter.refresh_from_db()
    return _status_fragment(request, letter)


def _move(request: AuthenticatedHttpRequest, letter: Letter, to: str, done: str, **details) -> HttpResponse:
    try:
        services.letter_transition(letter=letter, to=to, by=request.user, **details)
    except PermissionDenied as error:
        messages.error(request, str(error) or "You cannot do that.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(_detail_url(letter))


def _may_approve(request: AuthenticatedHttpRequest, pk: int) -> None:
    if not permissions.can_approve_letter(request.user):
        raise PermissionDenied
    selectors.letter_for(request.user, pk)


def _may_issue(request: AuthenticatedHttpRequest, pk: int) -> None:
    if not permissions.can_issue_letter(request.user):
        raise PermissionDenied
    selectors.letter_for(request.user, pk)


@require_POST
@recent_confirmation_required(guard=_may_approve)
def letter_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_for(request.user, pk)
    return _move(request, letter, Letter.Status.APPROVED, "Letter approved. It can now be issued.")


@require_POST
def letter_send_back(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_for(request.user, pk)
    return _move(request, letter, Letter.Status.DRAFT, "Letter sent back to draft for changes.")


@require_POST
@recent_confirmation_required(guard=_may_issue)
def letter_issue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_for(request.user, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say how the letter goes out.")
        return redirect(_detail_url(letter))

    def write() -> str:
        _move(request, letter, Letter.Status.ISSUED, "Letter issued.", method=form.cleaned_data["method"],
              issued_on=form.cleaned_data["issued_on"])
        return _detail_url(letter)

    return once_per_submission(request, form.cleaned_data["submission_token"], write)


@require_POST
def letter_acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_for(request.user, pk)
    return _move(request, letter, Letter.Status.ACKNOWLEDGED, "Acknowledgement recorded.",
                 note=request.POST.get("note", ""))


@require_POST
def letter_new_version(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_for(request.user, pk)
    if not permissions.can_prepare_letter(request.user, letter.case):
        raise PermissionDenied
    try:
        new = services.letter_new_version(letter=letter, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_detail_url(letter))
    messages.success(request, f"Version {new.version} drafted. Version {letter.version} is kept as issued.")
    return redirect(_detail_url(new))


@require_GET
def letter_pdf(request: AuthenticatedHttpRequest, pk: int, filename: str) -> FileResponse:
    letter = selectors.letter_for(request.user, pk)
    if filename != letter.pdf_filename or not letter.pdf or letter.render_state != Letter.RenderState.READY:
        raise Http404("No PDF of this letter yet.")
    try:
        handle = letter.pdf.open("rb")
    except FileNotFoundError:
        raise Http404("The stored PDF is missing: tell the administrator.") from None
    response = FileResponse(handle, filename=letter.pdf_filename, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
