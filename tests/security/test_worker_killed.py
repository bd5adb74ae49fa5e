"""A worker killed in the middle of rendering a letter: after the retry there is exactly one PDF.

Runs real worker processes on the real Redis against the test database, so it needs PostgreSQL
(a second process cannot see SQLite's in-memory test database) and Redis: skipped without them,
failed under CI.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from incidents.letters import services as letter_services
from incidents.models import Letter
from policies.defaults import load_defaults
from policies.models import Clause
from tests.services import redis_available, require

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker


def _worker(queue: str, log: Path) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
                        f"/{database['NAME']}",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "PYTHONUNBUFFERED": "1",  # the test reads the log as it is written
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_leaves_exactly_one_pdf_after_the_retry(school, case, lead, tmp_path, settings):
    require(connection.vendor == "postgresql", "needs PostgreSQL: a worker process cannot see SQLite's test database")
    require(redis_available(), "no Redis on 127.0.0.1:6379")
    settings.MEDIA_ROOT = tmp_path / "private"
    load_defaults(school=school)
    # The clause breached, which a cautionary notice quotes.
    case.clauses.set(Clause.objects.filter(version__policy__school=school).order_by("position")[:1])
    # A long letter, so that rendering takes long enough to be interrupted.
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=case.parents.first(),
                                          parts={"conduct_summary": "Posted abusive messages about staff. " * 4000})
    queue = f"casebook-kill-{uuid.uuid4().hex[:8]}"
    first_log, second_log = tmp_path / "first-worker.log", tmp_path / "second-worker.log"
    first = _worker(queue, first_log)
    try:
        # Publish only once the worker has bound its queue: a message sent before is routed nowhere.
        assert _wait_for(lambda: b"ready." in first_log.read_bytes(), 60), first_log.read_text()
        from config.celery import app
        from incidents.letters.tasks import render_letter_pdf

        app.conf.update(broker_url="redis://127.0.0.1:6379/14", task_always_eager=False)
        app._pool = None
        app.amqp._producer_pool = None
        render_letter_pdf.apply_async(args=[letter.pk], queue=queue)
        assert _wait_for(lambda: b"Task incidents.letters.tasks.render_letter_pdf" in first_log.read_bytes(), 30), \
            first_log.read_text()
        time.sleep(0.5)  # in the middle of rendering
        letter.refresh_from_db()
        assert letter.render_state != Letter.RenderState.READY  # still rendering…
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        app.conf.update(broker_url="memory://", task_always_eager=True)
        app._pool = None
        app.amqp._producer_pool = None

    second = _worker(queue, second_log)
    try:
        ready = _wait_for(lambda: Letter.objects.filter(pk=letter.pk, render_state=Letter.RenderState.READY).exists(),
                          90)
        assert ready, second_log.read_text()[-3000:]
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(20)
    letter.refresh_from_db()
    stored = list((Path(settings.MEDIA_ROOT) / "letters").rglob("*.pdf"))
    assert [p.name for p in stored] == [f"{letter.pk}-v1.pdf"]
    assert Letter.objects.filter(case=letter.case).count() == 1
    assert hashlib.sha256(stored[0].read_bytes()).hexdigest() == letter.sha256
