"""Error reports to Sentry, only when SENTRY_DSN is set, and with no case text in them.

What a report keeps: the exception's type, the stack (files, functions, line numbers, source lines),
the URL path and method, the request id, the user's id, times and versions. What it loses before it
leaves the server: request bodies, query strings, cookies, headers other than a few harmless ones,
the user's name and address, exception messages, local variables, log message arguments, extra data
and breadcrumb text — any of which may quote a concern, a chat or a parent's name.
"""

from typing import Any

import sentry_sdk

SCRUBBED = "[scrubbed]"
_KEPT_HEADERS = {"user-agent", "x-request-id", "content-type", "content-length", "host"}
_KEPT_BREADCRUMB_FIELDS = {"type", "category", "level", "timestamp"}


def sentry_init(*, dsn: str, environment: str) -> bool:
    """Start error reporting if a DSN is given. Returns whether it started."""
    if not dsn:
        return False
    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment))
    return True


def sentry_options(*, dsn: str, environment: str) -> dict[str, Any]:
    return {
        "dsn": dsn,
        "environment": environment,
        "send_default_pii": False,
        "include_local_variables": False,
        "max_request_body_size": "never",
        "before_send": scrub_event,
        "before_breadcrumb": scrub_breadcrumb,
    }


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's before_send: strip everything that could carry personal data or case text."""
    request = event.get("request")
    if isinstance(request, dict):
        for field in ("data", "query_string", "cookies", "env"):
            request.pop(field, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {name: value for name, value in headers.items() if name.lower() in _KEPT_HEADERS}
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    for exception in (event.get("exception") or {}).get("values") or []:
        if exception.get("value"):
            exception["value"] = SCRUBBED
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        # The format string is ours; the arguments and the formatted line may be anyone's words.
        logentry.pop("params", None)
        logentry.pop("formatted", None)
    if isinstance(event.get("message"), str):
        event["message"] = SCRUBBED
    event.pop("extra", None)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        breadcrumbs["values"] = [scrub_breadcrumb(crumb) for crumb in breadcrumbs.get("values") or []]
    elif isinstance(breadcrumbs, list):
        event["breadcrumbs"] = [scrub_breadcrumb(crumb) for crumb in breadcrumbs]
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Keep that something happened (an SQL query, a log line, a request), not what it said."""
    return {field: value for field, value in crumb.items() if field in _KEPT_BREADCRUMB_FIELDS}
