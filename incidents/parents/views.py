"""The parent's letter page: no account, no staff sign-in; the link in the e-mail is the key.

Every page here answers a link that opens nothing (wrong, tampered, expired, revoked, another
letter's) with the same plain page and status, and counts it against the address it came from;
too many and that address is refused for a while whatever it sends. Nothing here uses JavaScript.
"""

import functools
import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from incidents.access.client_address import client_address
from incidents.access.permissions import can_issue_letter, can_work_on_case
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.evidence import uploads
from incidents.letters import selectors as letter_selectors
from incidents.models import Letter, ParentLink
from incidents.parents import links, selectors, services
from incidents.parents.forms import CodeForm, MeetingForm, RepresentationsForm
from incidents.parents.presenting import letter_html_for_parent
from policies.pdf import PdfRenderError

PLAIN_PAGE = "incidents/parents/plain.html"
LETTER_PAGE = "incidents/parents/letter.html"
VERIFIED_FOR_SECONDS = 30 * 60


def _plain(request: HttpRequest, *, status: int = 404) -> HttpResponse:
    # A message the letter's page left ("we have sent a code to k***@…") belongs to a page that no longer
    # opens: it is dropped, not shown here, so the plain page is the same whatever came before it.
    for _message in messages.get_messages(request):
        pass
    return render(request, PLAIN_PAGE, {"school": selectors.contact_school()}, status=status)


def _private(response: HttpResponse | FileResponse) -> HttpResponse | FileResponse:
    # The address is the key: kept out of caches, search engines and other sites' logs.
    response["Cache-Control"] = "no-store"
    # same-origin, not no-referrer: with none, browsers send "Origin: null" and CSRF refuses every form.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


LinkView = Callable[..., HttpResponse | FileResponse]


def with_link(view: LinkView) -> LinkView:
    """Open the page only for a live link from an address that is not being refused."""

    @login_not_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse | FileResponse:
        address = client_address(request)
        if selectors.address_is_throttled(address):
            return _private(_plain(request, status=429))
        link = selectors.link_for_token(token)
        if link is None:
            services.bad_link_record(token=token, address=address)
            return _private(_plain(request))
        return _private(view(request, link, address, *args, **kwargs))

    return wrapped


def _verified_key(link: ParentLink) -> str:
    return f"parent_page_verified:{link.pk}"


def _is_verified(request: HttpRequest, link: ParentLink) -> bool:
    return time.time() - request.session.get(_verified_key(link), 0) < VERIFIED_FOR_SECONDS


def _first_time(form) -> bool:
    """A double press or a resent form reaches here twice: only the first is acted on."""
    token = form.cleaned_data.get("once") or ""
    return bool(token) and cache.add(f"parents:once:{token}", 1, 24 * 60 * 60)


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else ""


def _page(request: HttpRequest, link: ParentLink, *, status: int = 200, **forms) -> HttpResponse:
    letter = link.letter
    context = {
        "link": link, "letter": letter, "school": letter.case.school,
        "letter_html": letter_html_for_parent(letter),
        "deadline": links.letter_deadline(letter),
        "acknowledged": letter.status == Letter.Status.ACKNOWLEDGED,
        "representations_open": selectors.representations_open(link),
        "verified": _is_verified(request, link),
        "code_sent": selectors.code_live(link) is not None,
        "email_masked": _masked(letter.recipient_email),
        "own_representations": selectors.own_representations(link),
        "own_meetings": selectors.own_meeting_requests(link),
        "code_form": forms.get("code_form") or CodeForm(),
        "representations_form": forms.get("representations_form") or RepresentationsForm(),
        "meeting_form": forms.get("meeting_form") or MeetingForm(),
        "token": request.resolver_match.kwargs["token"] if request.resolver_match else "",
        "pdf_name": letter.pdf_filename,
    }
    return render(request, LETTER_PAGE, context, status=status)


def _back(request: HttpRequest, anchor: str = "") -> HttpResponse:
    token = request.resolver_match.kwargs["token"] if request.resolver_match else ""
    return redirect(reverse("incidents:parent_letter", args=[token]) + anchor)


@require_GET
@with_link
def letter_page(request: HttpRequest, link: ParentLink, address: str | None) -> HttpResponse:
    services.parent_page_opened(link=link, address=address)
    return _page(request, link)


@require_GET
@with_link
def letter_page_pdf(request: HttpRequest, link: ParentLink, address: str | None) -> FileResponse:
    letter = link.letter
    if not letter.pdf:
        raise Http404
    response = FileResponse(letter.pdf.open("rb"), as_attachment=True, filename=letter.pdf_filename,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@with_link
def letter_page_acknowledge(request: HttpRequest, link: ParentLink, address: str | None) -> HttpResponse:
    if services.parent_acknowledge(link=link, address=address):
        messages.success(request, "Thank you. We have recorded that you got this letter.")
    return _back(request, "#got-it")


@require_POST
@with_link
def letter_page_code(request: HttpRequest, link: ParentLink, address: str | None) -> HttpResponse:
    try:
        services.parent_code_send(link=link, address=address)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"We have sent a code to {_masked(link.letter.recipient_email)}. "
                                  "It works for 10 minutes.")
    return _back(request, "#reply")


@require_POST
@with_link
def letter_page_verify(request: HttpRequest, link: ParentLink, address: str | None) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        if services.parent_code_check(link=link, code=form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[_verified_key(link)] = time.time()
            messages.success(request, "Thank you. You can now send us your reply.")
            return _back(request, "#reply")
        form.add_error("code", "That code is not right, or it has run out. Check the e-mail, or ask for a new code.")
    return _page(request, link, status=400, code_form=form)


@require_POST
@with_link
def letter_page_representations(request: HttpRequest, link: ParentLink, address: str | None) -> HttpResponse:
    if not _is_verified(request, link):
        messages.error(request, "Before you send your reply, we need to check it is you. Ask for a code below.")
        return _back(request, "#reply")
    form = RepresentationsForm(request.POST, request.FILES)
    if form.is_valid():
        if not _first_time(form):
            return _back(request, "#sent")
        max_mb = link.letter.case.school.evidence_max_mb
        try:
            files = [(upload.name or "file", uploads.upload_read(upload, max_mb=max_mb))
                     for upload in form.cleaned_data["files"]]
            services.parent_representations_send(link=link, text=form.cleaned_data["text"], files=files,
                                                 address=address)
        except ValidationError as error:
            cache.delete(f"parents:once:{form.cleaned_data['once']}")  # nothing was kept: they may send it again
            form.add_error(None, error)
        else:
            messages.success(request, "Thank you. We have got your reply. The Head Teacher will read it "
                                      "before making a decision.")
            return _back(request, "#sent")
    return _page(request, link, status=400, representations_form=form)


@require_POST
@with_link
def letter_page_meeting(request: HttpRequest, link: ParentLink, address: str | None) -> HttpResponse:
    if not _is_verified(request, link):
        messages.error(request, "Before you ask for a meeting, we need to check it is you. Ask for a code below.")
        return _back(request, "#reply")
    form = MeetingForm(request.POST)
    if form.is_valid():
        if _first_time(form):
            services.parent_meeting_ask(link=link, message=form.cleaned_data["message"], address=address)
            messages.success(request, "Thank you. We will contact you to arrange a meeting.")
        return _back(request, "#sent")
    return _page(request, link, status=400, meeting_form=form)


@require_POST
def parent_links_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Staff: stop the parent's link to this letter from working."""
    letter = letter_selectors.letter_for(request.user, pk)
    if not can_work_on_case(request.user, letter.case):
        raise PermissionDenied
    if services.parent_links_revoke(letter=letter, by=request.user):
        messages.success(request, "The parent's link to this letter no longer works.")
    return redirect(letter.case.get_absolute_url() + "#letters")


@require_POST
def letter_paper_copy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Staff: the letter to print and post or hand over, with the parent's short link and QR code."""
    letter = letter_selectors.letter_for(request.user, pk)
    if not can_issue_letter(request.user):
        raise PermissionDenied
    try:
        data = services.parent_paper_copy(letter=letter, by=request.user)
    except (ValidationError, PdfRenderError) as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("incidents:letter_detail", args=[letter.pk]))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.pdf_filename.removesuffix(".pdf")}-paper.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
