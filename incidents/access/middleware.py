"""Keep a session alive while it is used, without writing it on every request."""

import time

from django.http import HttpRequest, HttpResponse

LAST_SEEN = "casebook_last_seen"
# The idle limit is SESSION_COOKIE_AGE (30 minutes); a session in use is renewed at most this often,
# so it ends between 29 and 30 idle minutes after the last page — and busy pages don't each write it.
RENEW_AFTER_SECONDS = 60


class RenewSessionMiddleware:
    """Mark a signed-in session modified (so Django saves it with a new expiry) once a minute of use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if not session.is_empty():
            now = int(time.time())
            if session.modified or now - session.get(LAST_SEEN, 0) >= RENEW_AFTER_SECONDS:
                session[LAST_SEEN] = now  # saved (and its expiry renewed) as the response leaves
        return response
