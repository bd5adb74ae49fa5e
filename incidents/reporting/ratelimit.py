"""How often one network address may post the public report form, counted in the cache.

With REDIS_URL set the cache is Redis (config.settings), shared by every gunicorn worker; without it,
each process counts on its own. A cache that cannot be reached lets the post through (and logs it):
a parent's report matters more than a spammer's."""

import logging

from django.http import HttpRequest

from incidents.access.client_address import client_address
from incidents.access.throttle import count_in_window

logger = logging.getLogger(__name__)

POSTS_PER_HOUR = 10
WINDOW_SECONDS = 60 * 60


def _key(request: HttpRequest) -> str:
    return f"casebook:report-posts:{client_address(request) or 'unknown'}"


def report_post_allowed(request: HttpRequest) -> bool:
    """Count this post against its address; False once the address has posted POSTS_PER_HOUR times
    within the hour (the window starts at its first post)."""
    try:
        count = count_in_window(_key(request), seconds=WINDOW_SECONDS)
    except Exception:  # noqa: BLE001 — an unreachable cache must not stop a parent's report
        logger.warning("report form: the cache could not be reached; the post was not counted", exc_info=True)
        return True
    return count <= POSTS_PER_HOUR
