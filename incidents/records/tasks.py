"""The records' work on the worker: the daily seal."""

from celery import shared_task
from django.utils import timezone

from incidents.records.seal import seal_daily
from incidents.schedule import run_once


@shared_task
def daily_seal() -> dict:
    """Run by Celery beat each night (CELERY_BEAT_SCHEDULE "daily-seal"); `manage.py seal_records`
    does the same without a worker. Once a night however many beats queue it (schedule.run_once)."""
    night = timezone.localdate().isoformat()
    seal = run_once(job="daily-seal", slot=night, running_seconds=180, work=seal_daily)
    if seal is None:
        return {"skipped": f"already sealed on {night}"}
    return {"path": str(seal.path), "fingerprint": seal.fingerprint}
