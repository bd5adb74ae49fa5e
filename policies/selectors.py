"""Reads of the school's configuration."""

import datetime
import re

import holidays
from django.db.models import Q
from django.utils import dateformat

from policies.models import Clause, PolicyVersion, School, TermHoliday

REVIEW_WARNING_DAYS = 30


def school_code_suggested(*, name: str) -> str:
    """A free short code made from the school's name: the first three letters of its name ("Hillside
    Primary" → HIL), then HIL2, HIL3… if another school has it."""
    letters = re.sub(r"[^A-Z0-9]", "", name.upper()).lstrip("0123456789")
    stem = (letters[:3] or "SCH").ljust(2, "X")
    taken = set(School.objects.filter(code__startswith=stem).values_list("code", flat=True))
    code, n = stem, 1
    while code in taken:
        n += 1
        code = f"{stem}{n}"
    return code


def policy_version_in_force(*, school: School, on: datetime.date) -> PolicyVersion | None:
    """The version adopted on or before `on` and not yet superseded by then.

    A case keeps this version: the one in force on the day of the incident.
    """
    return (
        PolicyVersion.objects.filter(policy__school=school, adopted_on__lte=on)
        .exclude(status=PolicyVersion.Status.DRAFT)
        .filter(Q(superseded_on__isnull=True) | Q(superseded_on__gt=on))
        .select_related("policy")
        .order_by("-adopted_on", "-number")
        .first()
    )


def adopted_policy(*, school: School) -> PolicyVersion | None:
    """The version adopted now (status adopted), or None before any is adopted."""
    return (
        PolicyVersion.objects.filter(policy__school=school, status=PolicyVersion.Status.ADOPTED)
        .select_related("policy")
        .order_by("-adopted_on", "-number")
        .first()
    )


def clauses_by_kind(*, version: PolicyVersion) -> list[tuple[str, list[Clause]]]:
    """The version's clauses grouped by kind, in the order the policy is read: (kind label, clauses)."""
    clauses = list(version.clauses.all())
    return [
        (kind.label, [clause for clause in clauses if clause.kind == kind])
        for kind in Clause.Kind
        if any(clause.kind == kind for clause in clauses)
    ]


class SchoolDays:
    """Counts school days: weekdays that are neither in the school's term holidays nor bank holidays
    of the school's nation. The term holidays are read once, so that working out fifty deadlines costs
    one query rather than fifty; the bank holidays come from the maintained `holidays` package."""

    def __init__(self, school: School, since: datetime.date):
        self.holidays = list(
            TermHoliday.objects.filter(school=school, ends_on__gte=since).values_list("starts_on", "ends_on")
        )
        self.bank_holidays = bank_holidays(nation=school.nation)

    def is_school_day(self, day: datetime.date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.bank_holidays
            and not any(first <= day <= last for first, last in self.holidays)
        )

    def after(self, start: datetime.date, days: int) -> datetime.date:
        """`days` school days after `start`; `start` itself is not counted."""
        return self._step(start, days, datetime.timedelta(days=1))

    def before(self, end: datetime.date, days: int) -> datetime.date:
        return self._step(end, days, -datetime.timedelta(days=1))

    def _step(self, day: datetime.date, days: int, step: datetime.timedelta) -> datetime.date:
        counted = 0
        while counted < days:
            day += step
            if self.is_school_day(day):
                counted += 1
        return day


def bank_holidays(*, nation: str) -> holidays.HolidayBase:
    """The UK bank holidays of `nation` (a `School.Nation` value: ENG, SCT or NIR), filled in year by
    year as dates are looked up, so any year a deadline reaches is covered."""
    return holidays.country_holidays("GB", subdiv=nation)


def school_days_after(*, school: School, start: datetime.date, days: int) -> datetime.date:
    """The date `days` school days after `start`: weekdays only, skipping the school's term holidays
    and its nation's bank holidays.

    `start` itself is not counted, so 10 school days after a Friday letter is the Friday two weeks on
    (without holidays).
    """
    return SchoolDays(school, since=start).after(start, days)


def deadline_in_words(day: datetime.date) -> str:
    """A deadline as a letter states it, from the actual date: "by Friday 15 January 2027"."""
    return "by " + dateformat.format(day, "l j F Y")


def policy_review_warning(*, school: School, today: datetime.date) -> str | None:
    """A plain warning when the adopted policy's review date is within 30 days or past, else None."""
    version = adopted_policy(school=school)
    if version is None or version.review_on is None:
        return None
    days_left = (version.review_on - today).days
    when = f"{version.review_on:%-d %B %Y}"
    if days_left < 0:
        return f"The review date of “{version.policy.title}” ({when}) has passed. Please review the policy."
    if days_left == 0:
        return f"“{version.policy.title}” is due for review today ({when})."
    if days_left <= REVIEW_WARNING_DAYS:
        plural = "" if days_left == 1 else "s"
        return f"“{version.policy.title}” is due for review on {when}, in {days_left} day{plural}."
    return None
