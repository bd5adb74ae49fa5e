"""Issue 17.9: the school's own plain error pages, never Django's technical ones, and no DEBUG in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
TECHNICAL = ("Traceback", "Django", "SECRET-DETAIL", "settings.py", "Request Method", "No Case matches")


def _plain(response, heading: str) -> str:
    page = response.content.decode()
    assert f'data-testid="error-heading">{heading}' in page, page[:500]
    assert not any(word in page for word in TECHNICAL), page
    return page


def test_a_missing_page_is_the_schools_404(client_for, office):
    response = client_for(office).get("/cases/CB-2099-9999/")
    assert response.status_code == 404
    _plain(response, "There is nothing here")


def test_a_page_not_open_to_the_role_is_the_schools_403(client_for, governor):
    response = client_for(governor).get("/concerns/new/")
    assert response.status_code == 403
    _plain(response, "This page is not open to your role")


def test_a_failure_is_the_schools_500_without_the_detail(client_for, office, settings):
    settings.ROOT_URLCONF = "tests.config.error_urls"
    client = client_for(office)
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    _plain(response, "Something went wrong on our side")


def test_a_bad_request_is_the_schools_400(client_for, office):
    response = client_for(office).get("/", HTTP_HOST="casebook.evil.example")
    assert response.status_code == 400
    _plain(response, "Casebook could not read that request")


def test_a_form_without_its_csrf_token_is_the_schools_plain_page(office):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "office", "password": "x"})
    assert response.status_code == 403
    _plain(response, "Please send the form again")


def _production(code: str, **extra_env: str) -> subprocess.CompletedProcess:
    dropped = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production",
                       SECRET_KEY="a-long-random-production-secret-key-for-the-test-0123456789-abcdefghijkl",
                       CASEBOOK_INTEGRITY_KEY="another-long-random-key-kept-apart-from-the-database-0123456789",
                       ALLOWED_HOSTS="testserver", **extra_env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)


def test_production_settings_refuse_debug():
    result = _production("import django; django.setup()", DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be false in production" in result.stderr


@pytest.mark.parametrize("view,status,heading", [
    ("bad_request", 400, "Casebook could not read that request"),
    ("permission_denied", 403, "This page is not open to your role"),
    ("page_not_found", 404, "There is nothing here"),
    ("server_error", 500, "Something went wrong on our side"),
    ("csrf_failure", 403, "Please send the form again"),
])
def test_each_error_page_renders_under_production_settings_with_nothing_from_the_request(view, status, heading):
    """Django's own handlers, as production calls them; the 500 page gets no context at all."""
    code = f"""
import django
django.setup()
from django.conf import settings
from django.test import RequestFactory
from django.views import csrf, defaults
assert settings.DEBUG is False
request = RequestFactory().get("/x/")
view = {{"csrf_failure": csrf.csrf_failure}}.get({view!r}) or getattr(defaults, {view!r})
if {view!r} == "server_error":
    response = view(request)
elif {view!r} == "csrf_failure":
    response = view(request, reason="no token")
else:
    response = view(request, Exception("SECRET-DETAIL"))
print(response.status_code)
print(response.content.decode())
"""
    result = _production(code)
    assert result.returncode == 0, result.stderr
    first, page = result.stdout.split("\n", 1)
    assert int(first) == status
    assert f'data-testid="error-heading">{heading}' in page
    assert "SECRET-DETAIL" not in page and "Traceback" not in page
