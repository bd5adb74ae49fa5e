import logging

from celery import Task, shared_task

RETRIES = 3
logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> bool:
    """Queue a task; False (and a log line) when the broker cannot be reached.

    Pages must keep working with Redis stopped: callers record that the work is waiting, and
    `requeue_waiting_work` (every minute, from beat) or the next poll of the page queues it again.
    """
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception as error:  # kombu.OperationalError, redis ConnectionError, OSError…
        logger.warning("Could not queue %s: %s", task.name, error)
        return False
    return True


@shared_task
def ping(value: str = "pong") -> str:
    """A small task to prove the worker and broker work end to end (used by tests and /healthz checks)."""
    return value


class _LetterRenderTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Called once the retries are used up: the letter page then shows a plain error.
        from incidents import services

        services.letter_render_failed(letter_id=args[0] if args else kwargs["letter_id"], error=str(exc))


@shared_task(base=_LetterRenderTask, autoretry_for=(Exception,), max_retries=RETRIES,
             retry_backoff=1, retry_backoff_max=30, retry_jitter=False)
def render_letter_pdf(letter_id: int) -> str:
    """Render a letter's PDF on the worker (see services.letter_render_pdf). Retried with backoff."""
    from incidents import services

    return services.letter_render_pdf(letter_id=letter_id).render_state


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=30, retry_backoff_max=600)
def send_letter_email(letter_id: int) -> None:
    """E-mail an issued letter with its PDF attached (see services.letter_email_send). Retried with backoff."""
    from incidents import services

    services.letter_email_send(letter_id=letter_id)


@shared_task
def requeue_waiting_work() -> int:
    """Queue again what could not be queued while the broker was down. Returns how many."""
    from incidents import services

    return services.letters_requeue_waiting() + services.notifications_requeue_waiting()


class _NotificationTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Called once the retries are used up: the outbox keeps the error for whoever looks.
        from incidents import services

        services.notification_failed(notification_id=args[0] if args else kwargs["notification_id"], error=str(exc))


@shared_task(base=_NotificationTask, autoretry_for=(Exception,), max_retries=RETRIES,
             retry_backoff=30, retry_backoff_max=600)
def send_notification(notification_id: int) -> None:
    """Send one e-mail from the outbox (see services.notification_deliver). Retried with backoff."""
    from incidents import services

    services.notification_deliver(notification_id=notification_id)


@shared_task
def daily_reminders(today: str | None = None) -> dict:
    """The daily job that Celery beat runs each morning (see CELERY_BEAT_SCHEDULE): reminders, then
    digests. `manage.py send_reminders` runs the same job without a worker."""
    import datetime

    from django.utils import timezone

    from incidents import services

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    run = services.daily_job(today=day)
    return {"reminders": len(run.reminders), "digests": len(run.digests)}
