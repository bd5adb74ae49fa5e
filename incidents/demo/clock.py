"""The demo's stories told on their own days.

A real school's cases were opened over years, decided days or weeks later, and their bans ran to
deadlines. The demo writes every step through the same services staff use, so that its timelines,
field history, letters and hashes are exactly what those services leave; `happening_at` makes "now",
for the services, the moment a step happened. Every timestamp they write (auto_now_add fields,
django-simple-history's history dates, timeline events, `timezone.localdate()` for step dates and
letter dates) then agrees with the story.

Only `seed_demo` uses it, which runs on a development machine alone (DEBUG on), single-threaded.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_real_now = timezone.now
# A step is never dated after the moment seeding began, nor two steps at one instant.
_LATEST_MARGIN = datetime.timedelta(minutes=5)


@contextmanager
def happening_at(moment: datetime.datetime) -> Iterator[datetime.datetime]:
    """While inside, `timezone.now()` reads `moment` plus the time spent inside (so steps taken one
    after another keep their order). A moment in the future is brought back to a few minutes ago."""
    entered = _real_now()
    moment = min(moment, entered - _LATEST_MARGIN)
    previous = timezone.now
    timezone.now = lambda: moment + (_real_now() - entered)
    try:
        yield moment
    finally:
        timezone.now = previous


class Story:
    """One case's days: `on(days)` is the context of a step taken `days` after it began (fractions
    are hours), at a plausible time of the school day."""

    def __init__(self, *, days_ago: float, hour: int = 9) -> None:
        start_day = timezone.localdate(_real_now()) - datetime.timedelta(days=days_ago)
        self.start = timezone.make_aware(datetime.datetime.combine(start_day, datetime.time(hour)))

    def moment(self, days: float = 0) -> datetime.datetime:
        moment = self.start + datetime.timedelta(days=days)
        while timezone.localtime(moment).weekday() >= 5:  # staff work on school days
            moment += datetime.timedelta(days=1)
        return min(moment, _real_now() - _LATEST_MARGIN)

    def on(self, days: float = 0):
        return happening_at(self.moment(days))

    def day(self, days: float = 0) -> datetime.date:
        return timezone.localdate(self.moment(days))
