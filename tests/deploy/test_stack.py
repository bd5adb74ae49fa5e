"""`make stack` starts the production stack on this machine, and someone can sign in to it.

Runs deploy/stack.py as a user would (PostgreSQL, Redis, gunicorn, a worker and beat, production
settings) on a free port, against STACK_DATABASE_URL (default: the test server's PostgreSQL, database
<DATABASE_URL's name>_stack). Needs PostgreSQL and Redis: skipped without them, failed under CI.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import redis

from config.health import HEARTBEAT_KEY
from tests.services import TEST_REDIS_URL, port_open, redis_available, require

ROOT = Path(__file__).resolve().parents[2]


def _stack_database_url() -> str:
    if os.environ.get("STACK_DATABASE_URL"):
        return os.environ["STACK_DATABASE_URL"]
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        parts = urllib.parse.urlsplit(database_url)
        return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_stack"))
    return "postgres://postgres@127.0.0.1:5432/casebook_stack"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Just enough of a browser: keeps cookies, follows nothing by itself."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        encoded = None
        if body is not None:
            encoded = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=encoded, headers=sent)
        response = connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, rest = value.split("=", 1)
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response, text


def _wait_for_health(browser: Browser, stack: subprocess.Popen, log: Path, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        assert stack.poll() is None, f"the stack stopped:\n{log.read_text()[-5000:]}"
        try:
            response, text = browser.request("GET", "/healthz")
            last = json.loads(text)
            if response.status == 200:
                return last
        except (OSError, ValueError, http.client.HTTPException):
            pass
        time.sleep(1)
    pytest.fail(f"/healthz never said ok (last: {last}):\n{log.read_text()[-5000:]}")


@pytest.mark.worker
def test_make_stack_runs_the_production_stack_and_a_demo_user_signs_in(tmp_path):
    require(port_open("127.0.0.1", 5432), "no PostgreSQL on 127.0.0.1:5432")
    require(redis_available(), "no Redis on 127.0.0.1:6379")
    heartbeats = redis.Redis.from_url(TEST_REDIS_URL)
    heartbeats.delete(HEARTBEAT_KEY)  # only this stack's worker may make /healthz say ok
    port = _free_port()
    log = tmp_path / "stack.log"
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}}
    environment.update(MEDIA_ROOT=str(tmp_path / "private"), DEMO_PASSWORD="casebook-demo")
    stack = subprocess.Popen(
        [sys.executable, "deploy/stack.py", "--port", str(port), "--database-url", _stack_database_url(),
         "--redis-url", TEST_REDIS_URL, "--concurrency", "1"],
        cwd=ROOT, env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        browser = Browser(port)
        health = _wait_for_health(browser, stack, log, 300)
        assert health == {"status": "ok", "down": [], "database": "ok", "broker": "ok", "worker": "ok"}

        response, page = browser.request("GET", "/accounts/login/")
        assert response.status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response, _ = browser.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": "office", "password": "casebook-demo",
        }, headers={"X-Request-ID": "stack-test-sign-in"})
        assert response.status == 302, log.read_text()[-3000:]
        response, page = browser.request("GET", response.getheader("Location"))
        assert response.status == 200
        assert "Sign out" in page and "Olivia" in page

        # gunicorn's access log carries the request id; the application logs JSON lines.
        output = log.read_text()
        assert re.search(r'access 127\.0\.0\.1 "POST /accounts/login/" 302 .*request_id=stack-test-sign-in', output)
        assert any(line.startswith("{") and json.loads(line).get("logger") for line in output.splitlines())
    finally:
        stack.send_signal(signal.SIGTERM)
        try:
            returncode = stack.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            raise
        heartbeats.delete(HEARTBEAT_KEY)
    assert returncode == 0, log.read_text()[-3000:]
    assert not port_open("127.0.0.1", port), "gunicorn still listens after the stack stopped"
