"""Downloads that take a while (a subject access export, the termly report) tell the page they are done.

A download leaves the page where it is, so the page's "Preparing…" would stay after the file has
arrived. The page (static/js/casebook.js, `data-busy` with `data-download`) sends a random token with
the request; the response sets it in a short-lived cookie, which the page watches for, then clears
its message. Without JavaScript no message is shown: the browser's own progress is all there is.
"""

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DOWNLOAD_COOKIE = "casebook_download"
_TOKEN = re.compile(r"[A-Za-z0-9]{8,40}")


def download_done(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Mark `response` as the end of the download the page asked for, when it sent a token (which
    must look like one: it is echoed in a cookie). Returns the response."""
    token = request.POST.get("download_token") or request.GET.get("download_token") or ""
    if _TOKEN.fullmatch(token):
        # Read by the page's script, so not HttpOnly; it names nothing but the page's own random token.
        response.set_cookie(DOWNLOAD_COOKIE, token, max_age=120, samesite="Strict",
                            secure=settings.SESSION_COOKIE_SECURE, httponly=False)
    return response
