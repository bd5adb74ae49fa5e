import io
import json
import logging
import re

import pytest

from config.logs import JsonFormatter, RequestIdFilter, logging_config


@pytest.fixture
def log_lines():
    """What Casebook's JSON log handler writes for django.request, as parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_log_line_is_json_with_time_level_logger_and_the_request_id(client, office, log_lines):
    client.force_login(office)
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="proxy-4f2a9c1e")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "proxy-4f2a9c1e"
    [line] = log_lines()
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert line["request_id"] == "proxy-4f2a9c1e"
    assert line["message"] == "Not Found: /no-such-page/"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", line["time"])


@pytest.mark.django_db
def test_every_response_gets_a_fresh_request_id_without_one_from_the_proxy(plain_client):
    first = plain_client.get("/healthz")["X-Request-ID"]
    second = plain_client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["abc\n{\"level\": \"CRITICAL\"}", "x" * 200, "short", "a b c d e f g h", ""])
def test_a_request_id_that_could_forge_or_flood_log_lines_is_replaced(client, office, log_lines, sent):
    client.force_login(office)
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID=sent)
    [line] = log_lines()
    assert line["request_id"] == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])


def test_outside_a_request_the_request_id_is_a_dash():
    record = logging.LogRecord("incidents", logging.INFO, __file__, 1, "daily job: %s sent", ("3",), None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"
    assert json.loads(JsonFormatter().format(record))["message"] == "daily job: 3 sent"


def test_an_exception_is_kept_inside_one_json_line():
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("incidents", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: broken" in json.loads(line)["exception"]


def test_text_lines_carry_time_level_logger_and_request_id():
    config = logging_config(json_lines=False, level="INFO")
    formatter = logging.Formatter(config["formatters"]["casebook"]["format"])
    record = logging.LogRecord("incidents.letters", logging.WARNING, __file__, 1, "render slow", (), None)
    RequestIdFilter().filter(record)
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING incidents\.letters \[-\] render slow$",
                    formatter.format(record))
