"""The parent's link to a letter: a random token, of which only a hash is kept, signed so that a
tampered or made-up link is told apart without touching the database.

The link in the e-mail is `<random>.<signature>`. A letter handed over or posted carries instead a short
code a parent can type from paper (/p/abcd-efgh-jkmn/, and the same as a QR code): twelve random
characters from an alphabet without look-alikes (about 59 bits; bad tries are rate-limited like bad
links), hashed at rest in the same ParentLink row as the long token, so both open the same page
and expire and are revoked together. A link is live until it expires (LINK_DAYS_AFTER_DEADLINE
days after the letter's deadline, or LINK_DAYS_WITHOUT_DEADLINE days after it was issued when it has
none) or is revoked: by staff, by a fresh link for the same letter and parent, when a new version of
the letter is issued, or when the letter's step closes (the ban is reviewed or withdrawn).
This module writes only ParentLink rows; the page's services (parents.services) build on it.
"""

import datetime
import hashlib
import secrets

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.utils import timezone

from incidents.models import Letter, Parent, ParentLink, Sanction, SanctionStep, User

LINK_DAYS_AFTER_DEADLINE = 14
LINK_DAYS_WITHOUT_DEADLINE = 28
# A letter that goes out on paper carries its link as a short address and QR code (parents.paper).
PAPER_METHODS = (Letter.IssueMethod.POST, Letter.IssueMethod.HAND)
# The steps of a ban during which the parent may still send representations through the page.
OPEN_BAN_STATES = (Sanction.State.PROVISIONAL, Sanction.State.REPRESENTATIONS)

_SIGNER = signing.Signer(salt="incidents.parents.link", sep=".")

# No 0/o, 1/i/l: nothing a parent could misread on paper. Typed in any case, with or without the dashes.
SHORT_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
SHORT_LENGTH = 12
SHORT_GROUP = 4


def page_path(token: str) -> str:
    """The page's path for a token (the URL pattern `parent_letter` matches it)."""
    return f"/letter/{token}/"


def short_path(code: str) -> str:
    """The path a paper letter prints for its short code (the URL pattern `parent_letter_short`)."""
    return f"/p/{code}/"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def short_code_new() -> str:
    """A fresh short code, grouped in fours with dashes to be read off paper: `abcd-efgh-jkmn`."""
    code = "".join(secrets.choice(SHORT_ALPHABET) for _ in range(SHORT_LENGTH))
    return "-".join(code[i:i + SHORT_GROUP] for i in range(0, SHORT_LENGTH, SHORT_GROUP))


def short_code_normal(typed: str) -> str | None:
    """A typed short code as it is hashed (lower case, no dashes or spaces), or None if it cannot be one."""
    code = "".join(typed.split()).replace("-", "").lower()
    if len(code) != SHORT_LENGTH or any(char not in SHORT_ALPHABET for char in code):
        return None
    return code


def short_hash(code: str) -> str:
    """The stored hash of a short code (kept apart from the long tokens' hashes by a prefix)."""
    return hashlib.sha256(f"short:{code}".encode()).hexdigest()


def token_unsigned(token: str) -> str | None:
    """The random part of a link's token if its signature is right, else None."""
    try:
        return _SIGNER.unsign(token)
    except signing.BadSignature:
        return None


def letter_deadline(letter: Letter) -> datetime.date | None:
    """The date the letter asks the parent to answer by: a provisional ban's representations deadline."""
    step = letter.step
    if isinstance(step, SanctionStep) and step.to_state == Sanction.State.PROVISIONAL:
        return step.sanction.representations_due
    return None


def letter_ban(letter: Letter) -> Sanction | None:
    """The provisional ban this letter announced, if it did: the parent may answer it on the page."""
    step = letter.step
    if isinstance(step, SanctionStep) and step.to_state == Sanction.State.PROVISIONAL \
            and step.sanction.kind == Sanction.Kind.BAN:
        return step.sanction
    return None


def link_expiry(letter: Letter) -> datetime.datetime:
    deadline = letter_deadline(letter)
    start = deadline or letter.issued_on or timezone.localdate()
    days = LINK_DAYS_AFTER_DEADLINE if deadline else LINK_DAYS_WITHOUT_DEADLINE
    last_day = start + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(last_day, datetime.time.max))


def parent_links_revoke(*, letters, reason: str) -> int:
    """Revoke every live link to these letters. Writes: ParentLink.revoked_at and reason. Called by the
    letter and ban services when a letter is replaced or its step closes, and by link_issue."""
    return ParentLink.objects.filter(letter__in=letters, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:200])


def ban_links_revoke(*, sanction: Sanction) -> int:
    """Revoke the links to a ban's letters once the ban has left its provisional steps. Called by
    sanction_transition."""
    if sanction.kind != Sanction.Kind.BAN or sanction.state in OPEN_BAN_STATES:
        return 0
    steps = SanctionStep.objects.filter(sanction=sanction).values_list("pk", flat=True)
    letters = Letter.objects.filter(step_type=ContentType.objects.get_for_model(SanctionStep), step_id__in=list(steps))
    return parent_links_revoke(letters=letters, reason=f"The ban is now “{sanction.get_state_display()}”")


def link_issue(*, letter: Letter, parent: Parent, by: User | None = None,
               short: bool = False) -> tuple[ParentLink, str, str]:
    """A fresh link for this letter and parent; any earlier one stops working (only its hash was kept,
    so it cannot be shown again). Returns the row, the token to put in the URL and, with `short`, a
    short code for paper (else ""); neither is kept. Writes: ParentLink (the earlier ones revoked).
    Called inside the caller's transaction."""
    ParentLink.objects.filter(letter=letter, parent=parent, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason="A new link was issued")
    raw = secrets.token_urlsafe(32)
    code = short_code_new() if short else ""
    normal = short_code_normal(code) if code else None
    link = ParentLink.objects.create(letter=letter, parent=parent, token_hash=token_hash(raw),
                                     short_hash=short_hash(normal) if normal else None,
                                     expires_at=link_expiry(letter), created_by=by)
    return link, _SIGNER.sign(raw), code
