"""Faults: Redis stopped, a worker killed in the middle of rendering."""

import time

import pytest

from incidents.letters import services as letter_services
from incidents.models import Letter
from policies.defaults import load_defaults


@pytest.fixture
def draft_letter(school, case, lead):
    load_defaults(school=school)
    # The acknowledgement needs nothing the bare test case lacks: these tests are about the queue.
    return letter_services.letter_start(case=case, purpose="acknowledgement", by=lead,
                                        recipient=case.parents.first())


def test_with_redis_stopped_pages_work_and_the_letter_waits_visibly(celery_broker_down, draft_letter, client_for,
                                                                     lead, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client = client_for(lead)
    started = time.monotonic()
    response = client.post(f"/letters/{draft_letter.pk}/render/")
    assert response.status_code == 302
    assert time.monotonic() - started < 5  # the request gives up queueing quickly
    draft_letter.refresh_from_db()
    assert draft_letter.render_state == Letter.RenderState.PENDING
    page = client.get(f"/letters/{draft_letter.pk}/").content.decode()
    assert "Waiting for the task queue" in page
    assert client.get("/cases/").status_code == 200
    assert client.get(f"/cases/{draft_letter.case.reference}/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["down"] == ["broker", "worker"]


@pytest.mark.worker
def test_a_waiting_letter_is_prepared_once_redis_is_back(
    needs_postgresql, celery_worker_on_redis, draft_letter, client_for, lead
):
    # As the test above leaves it: pending, with the note that the queue could not be reached.
    Letter.objects.filter(pk=draft_letter.pk).update(render_state=Letter.RenderState.PENDING,
                                                     render_error=letter_services.LETTER_WAITING_FOR_QUEUE)
    client = client_for(lead)
    deadline = time.monotonic() + 60  # generous: a loaded machine is slow, not broken
    fragment = ""
    while time.monotonic() < deadline and "PDF ready" not in fragment:
        fragment = client.get(f"/letters/{draft_letter.pk}/status/").content.decode()  # the page's poll
        time.sleep(0.3)
    assert "PDF ready" in fragment
    draft_letter.refresh_from_db()
    assert draft_letter.render_state == Letter.RenderState.READY and draft_letter.render_error == ""


def test_the_every_minute_job_queues_waiting_letters_again(draft_letter, settings):
    Letter.objects.filter(pk=draft_letter.pk).update(render_state=Letter.RenderState.PENDING,
                                                     render_error=letter_services.LETTER_WAITING_FOR_QUEUE)
    from incidents.tasks import requeue_waiting_work

    assert requeue_waiting_work() == 1  # in-process here: the PDF is made at once
    draft_letter.refresh_from_db()
    assert draft_letter.render_state == Letter.RenderState.READY
    assert "incidents.tasks.requeue_waiting_work" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
