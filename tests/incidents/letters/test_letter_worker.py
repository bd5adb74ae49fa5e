"""The PDF through a real Celery worker on the real Redis (skipped outside CI without Redis)."""

import time

import pytest

from incidents.letters import services as letter_services
from incidents.models import Letter
from tests.incidents.letters.letter_setup import realistic_case


@pytest.mark.django_db(transaction=True)
def test_letter_pdf_rendered_by_the_worker_on_redis(needs_postgresql, celery_worker_on_redis, school, office, lead):
    case, parent = realistic_case(school=school, office=office, lead=lead)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    letter = letter_services.letter_request_pdf(letter=letter)
    assert letter.render_state == Letter.RenderState.PENDING  # the request only enqueued
    deadline = time.monotonic() + 60  # generous: a loaded machine is slow, not broken
    while time.monotonic() < deadline:
        letter.refresh_from_db()
        if letter.render_state != Letter.RenderState.PENDING:
            break
        time.sleep(0.1)
    assert letter.render_state == Letter.RenderState.READY, letter.render_error
    with letter.pdf.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
