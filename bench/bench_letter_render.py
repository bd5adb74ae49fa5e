"""How fast is a one-page letter rendered to PDF, and how fast does the request that asks for it return?

Issue 6 targets: median render ≤ 250 ms on the worker side (after a warm-up render); the request
that asks for the PDF ≤ 100 ms however long rendering takes (with a real broker it only enqueues).

Run: REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/bench_letter_render.py [--runs 15]
Uses a throw-away SQLite database in a temporary folder; with REDIS_URL set the enqueue timing goes
through the real broker (no worker needed: the queued tasks are purged at the end).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="bench-letters-")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ["MEDIA_ROOT"] = f"{_tmp}/private"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from incidents.letters import pdf  # noqa: E402
from incidents.letters import services as letter_services  # noqa: E402
from incidents.models import Letter, User  # noqa: E402
from policies import pdf as policy_pdf  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    from django.conf import settings

    lead = User.objects.get(username="lead")
    letter = Letter.objects.filter(status=Letter.Status.DRAFT).first() or _draft(lead)
    html = pdf.letter_document_html(letter)

    policy_pdf.html_to_pdf(html)  # warm-up: imports, fonts
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        data = policy_pdf.html_to_pdf(html)
        times.append((time.perf_counter() - start) * 1000)
    print(f"render one-page letter to PDF: median {statistics.median(times):.0f} ms, "
          f"min {min(times):.0f} ms, max {max(times):.0f} ms over {args.runs} runs ({len(data) // 1024} KB)")

    broker = settings.CELERY_BROKER_URL
    client = Client()
    client.force_login(lead)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from incidents.access.twofactor import CONFIRMED_AT

    device = TOTPDevice.objects.get_or_create(user=lead, name="bench", confirmed=True)[0]
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session[CONFIRMED_AT] = time.time()
    session.save()
    url = reverse("incidents:letter_render", args=[letter.pk])
    client.post(url, HTTP_HX_REQUEST="true")  # warm-up
    request_times = []
    for _ in range(args.runs):
        Letter.objects.filter(pk=letter.pk).update(render_state=Letter.RenderState.NONE)
        start = time.perf_counter()
        response = client.post(url, HTTP_HX_REQUEST="true")
        request_times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    mode = "enqueue only, broker " + broker.split("@")[-1] if not settings.CELERY_TASK_ALWAYS_EAGER else \
        "EAGER (no REDIS_URL): the request renders inline"
    print(f"request asking for the PDF ({mode}): median {statistics.median(request_times):.0f} ms, "
          f"max {max(request_times):.0f} ms over {args.runs} runs")
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from config.celery import app

        app.control.purge()


def _draft(lead: User) -> Letter:
    from incidents.models import Case

    case = Case.objects.filter(parents__isnull=False).first()
    return letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=case.parents.first())


if __name__ == "__main__":
    main()
