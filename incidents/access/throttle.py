"""One counter per key in the cache over a fixed window, shared by every limit on public pages (the
report form's posts, the parent page's bad links). On Redis the count is shared by every process."""

from django.core.cache import cache


def count_in_window(key: str, *, seconds: int) -> int:
    """Add one to `key`'s count and return it; the window starts at the key's first count."""
    if cache.add(key, 1, timeout=seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the entry expired between add and incr: this count starts a new window
        cache.add(key, 1, timeout=seconds)
        return 1
