"""Log lines that say when, how bad, where from and for which request.

Every request gets an id (the proxy's `X-Request-ID` if it sent a sane one, else a new uuid4), returned
in the `X-Request-ID` response header, so gunicorn's access log line, the application's log lines and an
error report for one request can be matched up. Production writes one JSON object a line; elsewhere a
plain line with the same fields.
"""

import contextvars
import datetime
import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is reused only if it is short and plain, so that nobody can write into our logs through it.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def current_request_id() -> str:
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    if header and _SANE_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Returns the request's id in the `X-Request-ID` response header.

    The id is set when Django starts handling the request (the request_started signal), not here, so
    that what Django logs after the middleware has run ("Not Found: /x", a 500's traceback) carries it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_started.connect(_request_started, dispatch_uid="casebook-request-id-start")
        request_finished.connect(_request_finished, dispatch_uid="casebook-request-id-finish")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if current_request_id() == "-":  # handled without the signal (a RequestFactory request)
            _request_id.set(request_id_from(request.headers.get(REQUEST_ID_HEADER)))
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = current_request_id()
        return response


def _request_started(sender: object, environ: dict[str, Any] | None = None, **kwargs: Any) -> None:
    _request_id.set(request_id_from((environ or {}).get("HTTP_X_REQUEST_ID")))


def _request_finished(sender: object, **kwargs: Any) -> None:
    _request_id.set("-")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request: the worker, beat, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, request_id, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    """Django's LOGGING: everything to standard output (systemd's journal, or the terminal)."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if json_lines else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"casebook": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "casebook", "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        # WeasyPrint narrates every step of every PDF at INFO; axes every sign-in.
        "loggers": {
            name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "weasyprint.progress", "axes")
        },
    }
