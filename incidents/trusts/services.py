"""The trust statistics' one write: working them out and storing them for the page."""

from django.db import transaction
from django.utils import timezone

from incidents.models import TrustStatisticsSnapshot
from incidents.trusts.selectors import figures_as_json
from policies.models import Trust


@transaction.atomic
def trust_statistics_refresh(*, trust: Trust) -> TrustStatisticsSnapshot:
    """Work out the trust's statistics from its cases, for every term at once, and store them.

    Writes: the trust's TrustStatisticsSnapshot, created or overwritten (derived data: no history, no
    event). Reads every case of the trust's schools (seconds at 300 schools): called hourly by the
    worker (tasks.refresh_trust_statistics) and, once, by /trust/ for a trust with nothing stored yet.
    """
    figures = figures_as_json(trust)
    snapshot, _ = TrustStatisticsSnapshot.objects.update_or_create(
        trust=trust, defaults={"figures": figures, "computed_at": timezone.now()})
    return snapshot
