"""What the outbox keeps of an e-mail once it has gone: the body as sent, less the links that work by
their token alone (an invitation, a password reset, a parent's letter page). Whoever can read the
outbox, an administrator or a superuser in Django's admin, must not be able to use them."""

import re
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

NOT_KEPT = "[a link for the recipient alone: not kept once sent]"

# A link, less any full stop or bracket that closes the sentence around it.
_URL = re.compile(r"https?://[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))")


def opens_by_token(url: str) -> bool:
    """Whether `url` is a page of Casebook that opens on the strength of a token in its address."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return "token" in match.kwargs


def without_secret_links(body: str) -> str:
    """`body` with each link to a page that opens by its token alone replaced by NOT_KEPT."""
    return _URL.sub(lambda found: NOT_KEPT if opens_by_token(found.group(0)) else found.group(0), body)
