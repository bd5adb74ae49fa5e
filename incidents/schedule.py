"""Scheduled jobs run once a slot (a day, usually), however many beats and workers run.

Two beats (one per machine, or one left over from a deploy) each queue the daily job; the first
worker to take it claims the slot in the shared cache (Redis in production) and the other finds it
taken and does nothing. While the job runs the claim lasts only as long as the job may run, so a
worker killed half-way frees the slot for the redelivered task; once done, it lasts past the slot.
"""

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")
DONE_SECONDS = 36 * 3600


def run_once(*, job: str, slot: str, running_seconds: int, work: Callable[[], T]) -> T | None:
    """Run `work` unless this job already ran, or is running, for this slot; None when it did not run.

    Writes: the claim `casebook:scheduled:<job>:<slot>` in the default cache. A job that raises
    gives its claim back, so a retry (or the next beat) runs it.
    """
    key = f"casebook:scheduled:{job}:{slot}"
    if not cache.add(key, "running", timeout=running_seconds):
        return None
    try:
        result = work()
    except BaseException:
        cache.delete(key)
        raise
    cache.set(key, "done", timeout=DONE_SECONDS)
    return result
