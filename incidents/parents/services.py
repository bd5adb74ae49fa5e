"""What a parent does on their letter page, recorded on the case exactly as if staff had typed it.

A parent has no account: the link is the key to the page, and a one-time code sent to the letter's
e-mail address shows it is them before representations or a request to meet are accepted. What
they send goes through the same services as staff use (letter_transition, representation_record),
under the name of the Head Teacher who approved the letter, with a line on the timeline saying it
came from the parent's page, when, and from which network address. The Head Teacher is told.
"""

import datetime
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from incidents.access.permissions import can_issue_letter, can_work_on_case
from incidents.access.throttle import count_in_window
from incidents.cases.timeline import case_event_record
from incidents.decisions.ban import representation_record
from incidents.letters.services import letter_transition
from incidents.models import CaseEvent, Letter, Notification, ParentCode, ParentLink, Representation, User
from incidents.notifications import emails
from incidents.notifications.services import case_notify_after_commit
from incidents.parents import links, paper, selectors
from incidents.roles import Role
from incidents.transitions import IllegalTransition

logger = logging.getLogger(__name__)

VIA_PAGE = "through the parent's letter page"


def parent_page_url(token: str) -> str:
    """The absolute address of a letter's page for the parent."""
    return emails.site_link(links.page_path(token))


def _recorder(letter: Letter) -> User:
    """Whose name the page's writes go under: the Head Teacher who approved the letter (the parent is
    answering them), or the school's Head Teacher if that person has left."""
    approver = letter.approved_by
    if approver is not None and approver.is_active and approver.has_role(Role.HEAD):
        return approver
    head = User.objects.filter(is_active=True, groups__name=Role.HEAD.value).order_by("pk").first()
    if head is None:
        raise ValidationError("The school has no Head Teacher in Casebook to receive this.")
    return head


def _page_event(*, link: ParentLink, action: str, summary: str, address: str | None,
                extra: dict | None = None) -> CaseEvent:
    return case_event_record(
        case=link.letter.case, kind=CaseEvent.Kind.PARENT_PAGE, summary=f"{summary} (from {address or 'unknown'})",
        data={"action": action, "parent": link.parent_id, "letter": link.letter_id, "link": link.pk,
              "address": address or "", **(extra or {})},
    )


class IssuedLink(NamedTuple):
    """A link just issued: the row, the page's address, and the short address to the same page."""

    link: ParentLink
    url: str
    short_url: str


def parent_short_url(code: str) -> str:
    """The absolute short address a paper letter prints for its code."""
    return emails.site_link(links.short_path(code))


@transaction.atomic
def parent_link_issue(*, letter: Letter, by: User | None = None, on_paper: bool = False) -> IssuedLink:
    """A fresh link to an issued letter's page for the parent it went to, with a short code for paper
    (always: a link printed by `manage.py parent_link` may be read out or written down); earlier links
    to it stop working. Returns the link and its addresses (shown once, never kept). Writes: ParentLink
    (earlier revoked), an event. Called by `manage.py parent_link` and parent_paper_copy."""
    if not letter.is_frozen or letter.recipient_parent is None:
        raise ValidationError("Only an issued letter to one of the case's parents has a page for the parent.")
    link, token, code = links.link_issue(letter=letter, parent=letter.recipient_parent, by=by, short=True)
    how = "printed on the paper copy" if on_paper else "issued"
    case_event_record(
        case=letter.case, kind=CaseEvent.Kind.PARENT_PAGE, actor=by,
        summary=f"Link to the letter's page {how} for {letter.recipient_name} "
                f"(works until {timezone.localtime(link.expires_at):%-d %B %Y}; earlier links stop working)",
        data={"action": "issued", "parent": link.parent_id, "letter": letter.pk, "link": link.pk,
              "on_paper": on_paper},
    )
    return IssuedLink(link=link, url=parent_page_url(token), short_url=parent_short_url(code))


def parent_paper_copy(*, letter: Letter, by: User) -> bytes:
    """The letter to print and post or hand over, with a fresh short link and QR code on a page of its
    own after the letter (parents.paper); earlier links to the letter stop working, so the copy
    printed last is the one that works. Refuses a letter not issued by post or by hand, or not to one
    of the case's parents, and a letter whose page no longer opens (replaced, or its ban decided).
    Writes: ParentLink, an event (parent_link_issue). Staff who may issue letters and see the case."""
    if not can_issue_letter(by):
        raise PermissionDenied("You cannot print letters for parents.")
    if letter.issue_method not in links.PAPER_METHODS:
        raise ValidationError("Only a letter posted or handed over is printed with its link: "
                              "an e-mailed letter carries its link in the e-mail.")
    if not letter.pdf:
        raise ValidationError("This letter has no PDF.")
    with transaction.atomic():  # a copy that cannot be made leaves the earlier link working
        issued = parent_link_issue(letter=letter, by=by, on_paper=True)
        if not selectors.link_is_live(issued.link):
            raise ValidationError("This letter's page is closed (a newer version was issued, or its step is over): "
                                  "there is no link to print.")
        return paper.paper_copy_pdf(letter=letter, short_url=issued.short_url)


@transaction.atomic
def parent_links_revoke(*, letter: Letter, by: User) -> int:
    """Staff stop the parent's links to this letter from working (it cannot be undone: issue a new one
    with `manage.py parent_link`). Writes: ParentLink.revoked_at, an event. Staff who may work on the case."""
    if not can_work_on_case(by, letter.case):
        raise PermissionDenied("You cannot revoke this link.")
    revoked = links.parent_links_revoke(letters=[letter.pk], reason=f"Revoked by {by.display_name}")
    if revoked:
        case_event_record(case=letter.case, kind=CaseEvent.Kind.PARENT_PAGE, actor=by,
                          summary=f"Link to the letter's page for {letter.recipient_name} revoked",
                          data={"action": "revoked", "letter": letter.pk})
    return revoked


def bad_link_record(*, token: str, address: str | None) -> None:
    """Count a link that opened nothing against its address (see selectors.address_is_throttled), log
    it, and, when it is a real link that has expired or been revoked, say so on its case's timeline."""
    count_in_window(selectors.bad_link_key(address), seconds=selectors.BAD_LINK_WINDOW_SECONDS)
    logger.warning("Parent page: a link that opens nothing, from %s", address or "unknown")
    link = selectors.link_any_for_token(token)
    if link is not None:
        with transaction.atomic():
            _page_event(link=link, action="refused",
                        summary="Someone tried a link to the letter's page that no longer works", address=address)


@transaction.atomic
def parent_page_opened(*, link: ParentLink, address: str | None) -> CaseEvent:
    """Writes: an event each time the page is opened."""
    return _page_event(link=link, action="opened", summary=f"{link.letter.recipient_name} opened the letter's page",
                       address=address)


def parent_acknowledge(*, link: ParentLink, address: str | None) -> bool:
    """The parent says they have the letter. Records it as staff would (letter_transition to
    "acknowledged", under the approving Head Teacher's name), once: a second press records nothing
    and returns False. Writes: Letter, its events, a page event."""
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=link.letter_id)
        if letter.status != Letter.Status.ISSUED:
            return False
        try:
            letter_transition(letter=letter, to=Letter.Status.ACKNOWLEDGED, by=_recorder(letter),
                              note=f"Acknowledged by the parent {VIA_PAGE}")
        except IllegalTransition:
            return False
        _page_event(link=link, action="acknowledged", summary="The parent acknowledged the letter on its page",
                    address=address)
    return True


def _code_digest(link: ParentLink, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"parent-code:{link.pk}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def parent_code_send(*, link: ParentLink, address: str | None) -> ParentCode:
    """E-mail a six-digit code to the address the letter went to. Any earlier code stops working.
    Writes: ParentCode (hash only), an event; sends the e-mail after commit, straight away and not
    through the outbox (a code is worth nothing in ten minutes, and is not kept). Refuses more than
    CODES_PER_HOUR codes an hour."""
    letter = link.letter
    if not letter.recipient_email:
        raise ValidationError("We cannot send you a code because we have no e-mail address for you. "
                              "Please phone the school.")
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    if link.codes.filter(created_at__gt=hour_ago).count() >= selectors.CODES_PER_HOUR:
        raise ValidationError("We have sent you several codes in the last hour. Please wait an hour and try again, "
                              "or phone the school.")
    link.codes.filter(used_at__isnull=True).update(expires_at=timezone.now())
    code = f"{secrets.randbelow(10**6):06d}"
    sent = ParentCode.objects.create(link=link, code_hash=_code_digest(link, code), sent_to=letter.recipient_email,
                                     expires_at=timezone.now() + datetime.timedelta(minutes=selectors.CODE_MINUTES))
    _page_event(link=link, action="code", summary="A code was sent to the parent's e-mail address", address=address)
    school = letter.case.school
    message = EmailMessage(
        subject=f"Your code for the letter from {school.name}",
        body=f"Your code is {code}\n\nType it on the letter's page. It works once, for {selectors.CODE_MINUTES} "
             f"minutes.\n\nIf you did not ask for a code, you can ignore this e-mail.\n\n{school.name}\n{school.phone}",
        to=[letter.recipient_email], reply_to=[school.email] if school.email else None)
    transaction.on_commit(lambda: message.send())
    return sent


@transaction.atomic
def parent_code_check(*, link: ParentLink, code: str) -> bool:
    """Whether `code` is the live code for this link; a right code is used up, a wrong one counts
    towards CODE_TRIES. Writes: ParentCode attempts or used_at."""
    live = selectors.code_live(link)
    if live is None:
        return False
    live = ParentCode.objects.select_for_update().get(pk=live.pk)
    if live.used_at is not None or live.attempts >= selectors.CODE_TRIES or live.expires_at <= timezone.now():
        return False
    if not hmac.compare_digest(live.code_hash, _code_digest(link, code.strip())):
        live.attempts += 1
        live.save(update_fields=["attempts"])
        return False
    live.used_at = timezone.now()
    live.save(update_fields=["used_at"])
    return True


@transaction.atomic
def parent_representations_send(*, link: ParentLink, text: str, files: Iterable[tuple[str, bytes]],
                                address: str | None) -> Representation:
    """Record the parent's written representations against the provisional ban their letter announced,
    as staff would record them (ban.representation_record: files checked as evidence, the ban moves to
    "representations received", which the deadlines see at once). Writes: those, a page event; the
    Head Teacher is told after commit. The view asks for a one-time code first."""
    if not selectors.representations_open(link):
        raise ValidationError("This letter does not ask for your side in writing, or the time for it has passed.")
    ban = links.letter_ban(link.letter)
    assert ban is not None  # representations_open
    representation = representation_record(sanction=ban, by=_recorder(link.letter), received_on=timezone.localdate(),
                                           text=text, files=files, via=VIA_PAGE)
    _page_event(link=link, action="representations", summary="The parent sent written representations on the "
                f"letter's page ({representation.files.count()} file(s))", address=address,
                extra={"representation": representation.pk})
    case_notify_after_commit(case=link.letter.case, kind=Notification.Kind.PARENT_REPLIED)
    return representation


@transaction.atomic
def parent_meeting_ask(*, link: ParentLink, message: str, address: str | None) -> CaseEvent:
    """The parent asks to meet. Writes: a page event with what they wrote; the Head Teacher is told."""
    event = _page_event(link=link, action="meeting", summary="The parent asked for a meeting on the letter's page",
                        address=address, extra={"message": message.strip()[:2000]})
    case_notify_after_commit(case=link.letter.case, kind=Notification.Kind.PARENT_REPLIED)
    return event
