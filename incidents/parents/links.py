"""The parent's link to a letter: a random token, of which only a hash is kept, signed so that a
tampered or made-up link is told apart without touching the database.

The link in the e-mail is `<random>.<signature>`. A link is live until it expires (LINK_DAYS_AFTER_DEADLINE
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
# The steps of a ban during which the parent may still send representations through the page.
OPEN_BAN_STATES = (Sanction.State.PROVISIONAL, Sanction.State.REPRESENTATIONS)

_SIGNER = signing.Signer(salt="incidents.parents.link", sep=".")


def page_path(token: str) -> str:
    """The page's path for a token (the URL pattern `parent_letter` matches it)."""
    return f"/letter/{token}/"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


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


def link_issue(*, letter: Letter, parent: Parent, by: User | None = None) -> tuple[ParentLink, str]:
    """A fresh link for this letter and parent; any earlier one stops working (only its hash was kept,
    so it cannot be shown again). Returns the row and the token to put in the URL, which is not kept.
    Writes: ParentLink (the earlier ones revoked). Called inside the caller's transaction."""
    ParentLink.objects.filter(letter=letter, parent=parent, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason="A new link was issued")
    raw = secrets.token_urlsafe(32)
    link = ParentLink.objects.create(letter=letter, parent=parent, token_hash=token_hash(raw),
                                     expires_at=link_expiry(letter), created_by=by)
    return link, _SIGNER.sign(raw)
