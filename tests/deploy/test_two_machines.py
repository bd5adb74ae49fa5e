"""More than one machine: two gunicorn servers and two Celery workers on one PostgreSQL and one Redis,
with private files in S3 (moto's server) and nothing shared on a local disk.

A user signs in through one server and carries on through the other (sessions live in the database);
letters are queued, and a worker's process is killed with SIGKILL in the middle of one; every letter
still ends with exactly one PDF, and a short load alternating between the servers gets no error.

It starts four processes and takes about a minute, so it runs under CI=true (or with
CASEBOOK_MULTI_PROCESS=1); it needs PostgreSQL and Redis.
"""

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import boto3
import psutil
import pytest
from django.db import connection
from django.utils import timezone
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from incidents.letters import services as letter_services
from incidents.models import Letter
from tests.conftest import _forget_connections
from tests.incidents.letters.letter_setup import realistic_case
from tests.services import IN_CI, TEST_REDIS_URL, port_open, redis_available, require

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LETTERS = 12
BUCKET = "casebook-two-machines"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Keeps cookies across servers, as one browser behind a load balancer would."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, body: dict | None = None) -> tuple[int, str, dict]:
        connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        encoded = None
        if body is not None:
            encoded = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection_.request(method, path, body=encoded, headers=headers)
        response = connection_.getresponse()
        text = response.read().decode(errors="replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, rest = value.split("=", 1)
                self.cookies[name] = rest.split(";", 1)[0]
        connection_.close()
        return response.status, text, dict(response.getheaders())


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait(condition, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in logs)
    pytest.fail(f"{what} did not happen within {seconds} s\n{tails}")


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture
def s3_server(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    try:
        yield endpoint, client
    finally:
        server.stop()


@pytest.fixture
def queue_on_redis():
    """This process queues to the same Redis the workers read (no key prefix: the workers use none)."""
    from config.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=TEST_REDIS_URL, result_backend=TEST_REDIS_URL, task_always_eager=False)
    _forget_connections(app)
    app.control.purge()
    try:
        yield app
    finally:
        app.control.purge()
        app.conf.update(saved)
        _forget_connections(app)


def test_two_servers_and_two_workers_share_one_database_redis_and_bucket(
        tmp_path, school, office, lead, s3_server, queue_on_redis, settings):
    if not (IN_CI or os.environ.get("CASEBOOK_MULTI_PROCESS") == "1"):
        pytest.skip("starts two gunicorn servers and two Celery workers (about a minute): runs under CI=true, "
                    "or with CASEBOOK_MULTI_PROCESS=1")
    require(redis_available(), "no Redis on 127.0.0.1:6379")
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://…)")
    endpoint, bucket = s3_server
    # The servers run the production settings, whose hashers do not include the tests' fast MD5 one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    office.set_password("pw")
    office.save(update_fields=["password"])
    # One integrity key for every process, as on every machine of one installation.
    settings.CASEBOOK_INTEGRITY_KEY = secrets.token_urlsafe(48)
    never = tmp_path / "no-local-private-files"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50), "CASEBOOK_INTEGRITY_KEY": settings.CASEBOOK_INTEGRITY_KEY,
        "DATABASE_URL": _database_url(), "REDIS_URL": TEST_REDIS_URL, "ALLOWED_HOSTS": "127.0.0.1",
        "CASEBOOK_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "eu-west-2", "MEDIA_ROOT": str(never), "CASEBOOK_SEAL_DIR": str(tmp_path / "seals"),
        "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0", "LOG_JSON": "false", "PYTHONUNBUFFERED": "1",
        "GUNICORN_WORKERS": "2",
    }
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"web-{port}.log" for port in ports] + [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    processes = [
        _start([str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
               {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, log) for port, log in zip(ports, logs[:2], strict=True)
    ] + [
        _start([str(BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO", "--concurrency", "1",
                "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"], env, log)
        for name, log in zip(("worker-a", "worker-b"), logs[2:], strict=True)
    ]
    try:
        _wait(lambda: all(port_open("127.0.0.1", port) for port in ports), 40, "both servers listening", logs)
        _wait(lambda: all("ready." in log.read_text() for log in logs[2:]), 40, "both workers ready", logs)

        # Signed in on one server, still signed in on the other: the session is in the database.
        browser = Browser()
        _, page, _ = browser.request(ports[0], "GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, headers = browser.request(ports[0], "POST", "/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": office.username, "password": "pw"})
        assert status == 302 and "login" not in headers.get("Location", ""), logs[0].read_text()[-2000:]
        status, page, _ = browser.request(ports[1], "GET", "/")
        assert status == 200 and "Sign out" in page

        case, parent = realistic_case(school=school, office=office, lead=lead)
        letters = [letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
                   for _ in range(LETTERS)]
        for letter in letters:
            letter_services.letter_request_pdf(letter=letter)

        # Kill worker A's pool process while it renders a letter (Celery: acks_late, reject_on_worker_lost).
        worker_a = psutil.Process(processes[2].pid)
        _wait(lambda: "render_letter_pdf" in logs[2].read_text(), 30, "worker A taking a letter", logs)
        [child] = worker_a.children()
        child.send_signal(signal.SIGKILL)

        # Meanwhile a short load, alternating between the servers, while the letters render.
        failures, requests = [], 0
        pages = ["/", "/cases/", f"/cases/{case.reference}/"]
        # At least 8 seconds and at least 24 requests: on a busy machine 8 seconds may hold only a dozen.
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline or requests < 24:
            for port in ports:
                for path in pages:
                    status, _, _ = browser.request(port, "GET", path)
                    requests += 1
                    if status != 200:
                        failures.append((port, path, status))

        def all_ready() -> bool:
            return Letter.objects.filter(pk__in=[letter.pk for letter in letters],
                                         render_state=Letter.RenderState.READY).count() == LETTERS

        _wait(all_ready, 40, "every letter rendered", logs)
    finally:
        _stop(processes)

    assert requests > 20 and failures == [], failures
    worker_log = logs[2].read_text()
    assert "WorkerLostError" in worker_log or "SIGKILL" in worker_log, worker_log[-3000:]
    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    for letter in Letter.objects.filter(pk__in=[letter.pk for letter in letters]):
        assert [key for key in keys if key.startswith(f"letters/{case.pk}/{letter.pk}-")] == [letter.pdf.name]
        assert letter.rendered_at and letter.rendered_at <= timezone.now()
    assert len([key for key in keys if key.startswith("letters/")]) == LETTERS
    served = [log.read_text().count('access 127.0.0.1 "GET') for log in logs[:2]]
    assert all(count > 5 for count in served), served
    assert not never.exists(), "a process wrote private files to its local disk"
