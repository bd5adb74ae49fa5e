from django.core.cache import cache

from incidents.access.throttle import count_in_window


def test_counts_within_the_window_and_starts_again_once_it_has_gone():
    key = "throttle-test:203.0.113.20"
    cache.delete(key)
    assert [count_in_window(key, seconds=60) for _ in range(3)] == [1, 2, 3]
    cache.delete(key)  # the window has passed
    assert count_in_window(key, seconds=60) == 1
