"""The report form's limit per network address is counted in the cache: on Redis, shared by every
process; with the cache unreachable, a parent's report still goes through."""

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from incidents.reporting import ratelimit


def _request(address: str):
    return RequestFactory().post("/report/", REMOTE_ADDR=address)


def test_on_redis_the_count_is_shared_and_refuses_past_the_limit(settings, redis_url):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": redis_url, "KEY_PREFIX": "casebook-test-ratelimit"}}
    cache = caches["default"]
    cache.delete(ratelimit._key(_request("203.0.113.9")))
    try:
        answers = [ratelimit.report_post_allowed(_request("203.0.113.9")) for _ in range(ratelimit.POSTS_PER_HOUR + 1)]
        assert answers == [True] * ratelimit.POSTS_PER_HOUR + [False]
        # Another process reading the same Redis sees the same count.
        assert cache.get(ratelimit._key(_request("203.0.113.9"))) == ratelimit.POSTS_PER_HOUR + 1
        # The entry expires with its hour (Redis keeps it with a time to live).
        client = cache._cache.get_client(write=False)
        assert 0 < client.ttl(cache.make_and_validate_key(ratelimit._key(_request("203.0.113.9")))) <= 3600
    finally:
        cache.delete(ratelimit._key(_request("203.0.113.9")))


def test_an_unreachable_cache_lets_the_post_through(settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    assert ratelimit.report_post_allowed(_request("203.0.113.10")) is True
    assert "could not be reached" in caplog.text


@pytest.mark.parametrize("address", ["203.0.113.11"])
def test_the_window_starts_at_the_first_post(settings, address):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "ratelimit-window"}}
    assert ratelimit.report_post_allowed(_request(address))
    caches["default"].delete(ratelimit._key(_request(address)))  # the hour has passed
    for _ in range(ratelimit.POSTS_PER_HOUR):
        assert ratelimit.report_post_allowed(_request(address))
