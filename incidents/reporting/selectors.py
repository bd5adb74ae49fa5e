"""Reads for the office's queue of concerns reported online."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from incidents.models import Concern
from policies.models import School


def reported_concerns_awaiting(*, school: School) -> QuerySet[Concern]:
    """The school's concerns reported online that nobody has dealt with yet, oldest first (the longest
    waiting on top)."""
    return (Concern.objects.filter(school=school, source=Concern.Source.ONLINE, triage=Concern.Triage.AWAITING)
            .order_by("received_at", "pk"))


def reported_concerns_dealt_with(*, school: School) -> QuerySet[Concern]:
    """The school's concerns reported online that have been dealt with, newest decision first."""
    return (Concern.objects.filter(school=school, source=Concern.Source.ONLINE).exclude(triage=Concern.Triage.AWAITING)
            .select_related("case", "triaged_by").order_by("-triaged_at", "-pk"))


def reported_concern(pk: int, *, school: School) -> Concern:
    """One of the school's concerns reported online, or 404 (also for a concern logged by staff, or another
    school's)."""
    return get_object_or_404(Concern.objects.filter(school=school, source=Concern.Source.ONLINE)
                             .select_related("case"), pk=pk)
