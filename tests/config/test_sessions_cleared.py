from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from incidents.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def _session(key: str, *, expires_in: timedelta) -> None:
    Session.objects.create(session_key=key, session_data="e30:", expire_date=timezone.now() + expires_in)


def test_the_nightly_job_deletes_expired_sessions_and_keeps_live_ones():
    _session("expired" + "x" * 25, expires_in=timedelta(minutes=-1))
    _session("live" + "y" * 28, expires_in=timedelta(minutes=29))

    clear_expired_sessions.delay()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live" + "y" * 28]


def test_beat_runs_it_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]
    assert entry["task"] == clear_expired_sessions.name
    assert entry["schedule"].is_due(timezone.now() - timedelta(days=1, minutes=1)).is_due
