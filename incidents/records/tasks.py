"""The records' work on the worker: the daily seal."""

from celery import shared_task

from incidents.records.seal import seal_daily


@shared_task
def daily_seal() -> dict:
    """Run by Celery beat each night (CELERY_BEAT_SCHEDULE "daily-seal"); `manage.py seal_records`
    does the same without a worker."""
    seal = seal_daily()
    return {"path": str(seal.path), "fingerprint": seal.fingerprint}
