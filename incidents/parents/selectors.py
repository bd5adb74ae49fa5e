"""Reads for the parent's letter page: which link a token opens (if any), and what the page shows —
that letter, and that parent's own answers, nothing else of the case."""

from collections.abc import Iterable

from django.core.cache import cache
from django.utils import timezone

from incidents.models import CaseEvent, Letter, ParentCode, ParentLink, Representation
from incidents.parents import links
from policies.models import School

# Bad links (wrong, tampered, expired, revoked) from one address before it is refused for a while.
BAD_LINK_LIMIT = 10
BAD_LINK_WINDOW_SECONDS = 15 * 60
# A one-time code: how long it lasts, and how many wrong tries end it.
CODE_MINUTES = 10
CODE_TRIES = 5
# Codes sent for one link in an hour: enough for a typo or two, too few to flood the parent's inbox.
CODES_PER_HOUR = 5


def bad_link_key(address: str | None) -> str:
    return f"parents:bad-link:{address or 'unknown'}"


def address_is_throttled(address: str | None) -> bool:
    return cache.get(bad_link_key(address), 0) >= BAD_LINK_LIMIT


def link_for_token(token: str) -> ParentLink | None:
    """The live link this token opens, or None: one answer for wrong, tampered, expired and revoked,
    for a replaced letter and for a step that has closed."""
    link = link_any_for_token(token)
    return link if link is not None and link_is_live(link) else None


def link_any_for_token(token: str) -> ParentLink | None:
    """The link a correctly signed token, or a paper letter's short code, names, live or not (for the
    timeline of a late visit)."""
    found = ParentLink.objects.select_related("letter__case__school", "parent")
    raw = links.token_unsigned(token)
    if raw is not None:
        return found.filter(token_hash=links.token_hash(raw)).first()
    code = links.short_code_normal(token)
    if code is not None:
        return found.filter(short_hash=links.short_hash(code)).first()
    return None


def link_is_live(link: ParentLink) -> bool:
    if link.revoked_at is not None or link.expires_at <= timezone.now():
        return False
    return link.parent_id == link.letter.recipient_parent_id and letter_page_open(link.letter)


def letter_page_open(letter: Letter) -> bool:
    """Whether an issued letter's page may be opened at all: not replaced, its step not closed."""
    if letter.status not in (Letter.Status.ISSUED, Letter.Status.ACKNOWLEDGED) or letter.recipient_parent_id is None:
        return False
    if Letter.objects.filter(previous=letter, status__in=(Letter.Status.ISSUED, Letter.Status.ACKNOWLEDGED)).exists():
        return False
    ban = links.letter_ban(letter)
    return ban is None or ban.state in links.OPEN_BAN_STATES


def paper_copy_possible(letter: Letter) -> bool:
    """Whether a letter that went out on paper can be printed again with a link to its page."""
    return letter.issue_method in links.PAPER_METHODS and bool(letter.pdf) \
        and letter_page_open(letter)


def representations_open(link: ParentLink) -> bool:
    """Whether the page takes written representations: the letter announced a ban still provisional."""
    ban = links.letter_ban(link.letter)
    return ban is not None and ban.state in links.OPEN_BAN_STATES


def own_representations(link: ParentLink) -> Iterable[Representation]:
    """What this parent sent through their letter pages about this ban (not what staff recorded
    from elsewhere, nor anyone else's)."""
    ban = links.letter_ban(link.letter)
    if ban is None:
        return Representation.objects.none()
    ids = CaseEvent.objects.filter(case=link.letter.case, kind=CaseEvent.Kind.PARENT_PAGE,
                                   data__parent=link.parent_id, data__representation__isnull=False
                                   ).values_list("data__representation", flat=True)
    return ban.representations.filter(pk__in=list(ids)).prefetch_related("files").order_by("recorded_at")


def own_meeting_requests(link: ParentLink) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=link.letter.case, kind=CaseEvent.Kind.PARENT_PAGE,
                                         data__parent=link.parent_id, data__action="meeting").order_by("at"))


def code_live(link: ParentLink) -> ParentCode | None:
    """The newest code sent for this link that may still be tried."""
    return link.codes.filter(used_at__isnull=True, expires_at__gt=timezone.now(),
                             attempts__lt=CODE_TRIES).order_by("-created_at").first()


def live_link_letters(letters: Iterable[Letter]) -> set[int]:
    """Which of these letters have a parent's link that staff may revoke."""
    return set(ParentLink.objects.filter(letter__in=list(letters), revoked_at__isnull=True,
                                         expires_at__gt=timezone.now()).values_list("letter_id", flat=True))


def contact_school() -> School | None:
    """The school named on the plain page a wrong link shows: the installation's school."""
    return School.objects.order_by("pk").first()


def latest_parent_letter(reference: str) -> Letter | None:
    """The case's most recently issued letter to one of its parents, that no newer version replaced."""
    return (Letter.objects.filter(case__reference=reference, recipient_parent__isnull=False,
                                  status__in=(Letter.Status.ISSUED, Letter.Status.ACKNOWLEDGED))
            .exclude(next_version__status__in=(Letter.Status.ISSUED, Letter.Status.ACKNOWLEDGED))
            .select_related("case", "recipient_parent").order_by("-issued_at", "-id").first())
