"""The outbox's work on the worker: sending one e-mail, and the daily reminders and digests."""

import datetime

from celery import Task, shared_task
from django.utils import timezone

from incidents.notifications import reminders, services
from incidents.queue import RETRIES
from incidents.schedule import run_once


class _NotificationTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Called once the retries are used up: the outbox keeps the error for whoever looks.

        services.notification_failed(notification_id=args[0] if args else kwargs["notification_id"],
                                    error=services.failure_reason(exc))


@shared_task(base=_NotificationTask, autoretry_for=(Exception,), max_retries=RETRIES,
             retry_backoff=30, retry_backoff_max=600)
def send_notification(notification_id: int) -> None:
    """Send one e-mail from the outbox (see services.notification_deliver). Retried with backoff."""

    services.notification_deliver(notification_id=notification_id)


@shared_task
def daily_reminders(today: str | None = None) -> dict:
    """The daily job that Celery beat runs each morning (see CELERY_BEAT_SCHEDULE): reminders, then
    digests, once a day however many beats queue it (schedule.run_once). `manage.py send_reminders`
    runs the same job without a worker, and without that check."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    run = run_once(job="daily-reminders", slot=day.isoformat(), running_seconds=1860,
                   work=lambda: reminders.daily_job(today=day))
    if run is None:
        return {"skipped": f"already run for {day.isoformat()}"}
    return {"reminders": len(run.reminders), "digests": len(run.digests)}
