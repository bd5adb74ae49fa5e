"""Scheduled jobs run once a slot however many beats queue them (incidents.schedule.run_once)."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from incidents.records.tasks import daily_seal
from incidents.schedule import run_once
from incidents.tasks import clear_expired_sessions
from tests.services import TEST_REDIS_URL, redis_available, require

pytestmark = pytest.mark.django_db


def test_two_beats_queueing_the_seal_write_one_seal(settings):
    daily_seal.delay().get()
    assert "skipped" in daily_seal.delay().get()
    assert len(list(settings.CASEBOOK_SEAL_DIR.glob("seal-*.json"))) == 1


def test_the_sessions_are_cleared_once_a_night():
    yesterday = timezone.now() - timezone.timedelta(days=1)
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=yesterday)
    clear_expired_sessions.delay()
    assert not Session.objects.exists()
    Session.objects.create(session_key="y" * 32, session_data="", expire_date=yesterday)
    clear_expired_sessions.delay()
    assert Session.objects.exists(), "the second run of the night did the work again"


def test_a_job_that_fails_gives_its_slot_back():
    def broken() -> None:
        raise RuntimeError("the mail server is down")

    with pytest.raises(RuntimeError):
        run_once(job="t", slot="2026-12-07", running_seconds=60, work=broken)
    assert run_once(job="t", slot="2026-12-07", running_seconds=60, work=lambda: "ran") == "ran"
    assert run_once(job="t", slot="2026-12-07", running_seconds=60, work=lambda: "again") is None


def test_the_claim_is_shared_through_redis_between_processes(settings):
    """Two processes share nothing but Redis: a second cache client (another process's) sees the claim."""
    require(redis_available(), "no Redis on 127.0.0.1:6379")
    from django.core.cache.backends.redis import RedisCache

    settings.CACHES = {"default": {"BACKEND": RedisCache.__module__ + ".RedisCache", "LOCATION": TEST_REDIS_URL}}
    other_process = RedisCache(TEST_REDIS_URL, {})
    key = "casebook:scheduled:shared:2026-12-08"
    other_process.delete(key)
    try:
        assert run_once(job="shared", slot="2026-12-08", running_seconds=60, work=lambda: 1) == 1
        assert other_process.get(key) == "done"
        assert cache.get(key) == "done"
    finally:
        other_process.delete(key)
