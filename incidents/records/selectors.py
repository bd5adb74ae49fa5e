"""When a closed case is due for disposal, and which cases are."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import (
    Case,
)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def disposal_due_on(case: Case) -> datetime.date | None:
    """The day a closed case's retention period ends (None while it is open)."""
    if case.status != Case.Status.CLOSED or case.closed_at is None:
        return None
    return _add_years(timezone.localdate(case.closed_at), case.school.retention_years)


def cases_due_for_disposal(*, school, today: datetime.date) -> QuerySet[Case]:
    """Closed cases whose retention period has ended, for the Head Teacher to confirm."""
    closed_by = _add_years(today, -school.retention_years)
    return Case.objects.filter(
        school=school, status=Case.Status.CLOSED, closed_at__date__lte=closed_by
    ).order_by("closed_at")
