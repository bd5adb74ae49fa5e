"""The address a request came from, as sign-in lockout counts it.

Behind the README's reverse proxy every request reaches gunicorn from 127.0.0.1; the person's own
address is in X-Forwarded-For, which each proxy extends on the right. Only the entries the trusted
proxies added can be believed (anything to their left the browser may have written), so the client is
the entry TRUSTED_PROXY_COUNT places from the right, read with django-ipware. With no proxy
(TRUSTED_PROXY_COUNT=0, the default) the header is ignored: the connection's own address counts.
"""

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_address(request: HttpRequest) -> str | None:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        return request.META.get("REMOTE_ADDR")
    # ipware counts the proxies named inside the header; the last proxy is the connection itself.
    address, _ = get_client_ip(request, proxy_count=proxies - 1, request_header_order=["HTTP_X_FORWARDED_FOR"],
                               strict=False)
    # A request that did not come through the proxies (no or too short a header) counts as its connection.
    return address or request.META.get("REMOTE_ADDR")
