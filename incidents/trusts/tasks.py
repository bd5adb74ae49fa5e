"""The worker's part of the trust statistics: working out every trust's figures each hour."""

from celery import shared_task
from django.utils import timezone

from incidents.schedule import run_once
from incidents.trusts.services import trust_statistics_refresh
from policies.models import Trust

# The job's hard time limit (CELERY_TASK_ANNOTATIONS): the claim lasts as long as the job may run.
RUNNING_SECONDS = 1560


def _refresh_every_trust() -> int:
    trusts = list(Trust.objects.order_by("pk"))
    for trust in trusts:
        trust_statistics_refresh(trust=trust)  # one transaction each: a slow trust holds no other back
    return len(trusts)


@shared_task
def refresh_trust_statistics(hour: str | None = None) -> dict:
    """Work out and store every trust's statistics (services.trust_statistics_refresh), which /trust/
    reads. Celery beat queues it hourly (CELERY_BEAT_SCHEDULE); it runs once an hour however many
    beats queue it (schedule.run_once). `hour` (2026-12-06T06) names the slot; the current hour if None."""
    slot = hour or timezone.localtime().strftime("%Y-%m-%dT%H")
    refreshed = run_once(job="refresh-trust-statistics", slot=slot, running_seconds=RUNNING_SECONDS,
                         work=_refresh_every_trust)
    if refreshed is None:
        return {"skipped": f"already run for {slot}"}
    return {"trusts": refreshed}
