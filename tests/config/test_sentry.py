"""Error reports leave the server without case text or personal data (issue 23)."""

import json
import logging
from urllib.parse import urlencode

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.transport import Transport

from config.sentry import SCRUBBED, scrub_event, sentry_init, sentry_options

CASE_TEXT = "Karl Dunn posted that the deputy head is useless"
SIGNED_IN = {"id": 42, "username": "office", "email": "olivia@school.example", "ip_address": "10.1.2.3"}


@csrf_exempt
def _failing_view(request):
    concern = CASE_TEXT  # a local variable that a report must not carry
    sentry_sdk.set_user(SIGNED_IN)
    logging.getLogger("incidents.cases").warning("Checking %s", concern)
    raise ValueError(f"could not save: {concern}")


urlpatterns = [path("boom/", _failing_view)]


class RecordingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def sentry_events():
    transport = RecordingTransport()
    sentry_sdk.init(**sentry_options(dsn="https://public@sentry.school.example/1", environment="test"),
                    transport=transport, integrations=[DjangoIntegration()], auto_enabling_integrations=False)
    try:
        yield transport.events
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.django_db
def test_an_error_report_carries_no_case_text_nor_personal_data(settings, sentry_events):
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith("LoginRequiredMiddleware")]
    # Through Django's WSGI handler, as under gunicorn, so that Sentry sees the whole request.
    request = RequestFactory().post(
        "/boom/", {"description": CASE_TEXT}, QUERY_STRING=urlencode({"q": CASE_TEXT}),
        HTTP_COOKIE="sessionid=secret-session", HTTP_X_REQUEST_ID="report-0001", HTTP_AUTHORIZATION="Basic c2VjcmV0",
        HTTP_REFERER=f"https://casebook.school.example/cases/?q={CASE_TEXT}",
    )
    statuses = []
    # As Django's test client does: the test's database connection stays open across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        WSGIHandler()(request.environ, lambda status, headers, *args: statuses.append(status))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert statuses == ["500 Internal Server Error"]
    sentry_sdk.flush()
    sent = json.dumps(sentry_events)
    [event] = [event for event in sentry_events if "exception" in event]
    for secret in ("Karl", "Dunn", "useless", "olivia", "secret-session", "c2VjcmV0", "10.1.2.3", "office"):
        assert secret not in sent, f"{secret!r} left the server in {sent}"
    # …while the report still says what failed, where, and for which request.
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == SCRUBBED
    assert any(frame["function"] == "_failing_view" for frame in exception["stacktrace"]["frames"])
    assert event["user"] == {"id": 42}
    assert event["request"]["url"] == "http://testserver/boom/"
    assert event["request"]["method"] == "POST"
    assert {name.lower(): value for name, value in event["request"]["headers"].items()}["x-request-id"] == \
        "report-0001"


def test_the_scrubber_removes_bodies_query_strings_cookies_and_user_details():
    event = {
        "request": {
            "url": f"https://casebook.school.example/cases/?q={CASE_TEXT}", "method": "POST",
            "data": {"description": CASE_TEXT}, "query_string": f"q={CASE_TEXT}", "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "sessionid=s", "Referer": f"https://x/?q={CASE_TEXT}", "User-Agent": "Firefox"},
            "env": {"REMOTE_ADDR": "10.1.2.3"},
        },
        "user": {"id": 7, "username": "head", "email": "helen@school.example", "ip_address": "10.1.2.3"},
        "logentry": {"message": "Checking %s", "params": [CASE_TEXT], "formatted": f"Checking {CASE_TEXT}"},
        "extra": {"case": CASE_TEXT},
        "breadcrumbs": {"values": [{"category": "query", "message": f"SELECT … '{CASE_TEXT}'", "data": {"x": 1},
                                    "level": "info", "timestamp": "2026-12-05T13:00:00Z"}]},
        "threads": {"values": [{"stacktrace": {"frames": [{"function": "f", "vars": {"text": CASE_TEXT}}]}}]},
    }
    scrubbed = scrub_event(event)
    assert CASE_TEXT not in json.dumps(scrubbed)
    assert "helen" not in json.dumps(scrubbed) and "10.1.2.3" not in json.dumps(scrubbed)
    assert scrubbed["request"] == {"url": "https://casebook.school.example/cases/", "method": "POST",
                                   "headers": {"User-Agent": "Firefox"}}
    assert scrubbed["logentry"] == {"message": "Checking %s"}
    assert scrubbed["breadcrumbs"]["values"] == [
        {"category": "query", "level": "info", "timestamp": "2026-12-05T13:00:00Z"},
    ]


def test_without_a_dsn_nothing_is_reported():
    assert sentry_init(dsn="", environment="production") is False
    assert not sentry_sdk.get_client().is_active()
