"""The tasks that belong to no one part: the worker's ping and heartbeat, the every-minute requeue
of work that waited for the broker, and the nightly clearing of expired sign-in sessions. Each part's
own tasks live in its `tasks.py` (letters, notifications); queueing itself is in `queue.py`."""

from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from config.health import worker_heartbeat_record
from incidents.letters import services as letter_services
from incidents.notifications import services as notification_services
from incidents.schedule import run_once


@shared_task
def ping(value: str = "pong") -> str:
    """A small task to prove the worker and broker work end to end (used by tests and /healthz checks)."""
    return value


@shared_task
def requeue_waiting_work() -> int:
    """Queue again what could not be queued while the broker was down. Returns how many."""
    return letter_services.letters_requeue_waiting() + notification_services.notifications_requeue_waiting()


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Record that a worker is alive (beat queues this every 30 seconds; /healthz reads it)."""
    worker_heartbeat_record()


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Delete the sign-in sessions that have expired (what `manage.py clearsessions` does). Django never
    deletes them itself, so without this the session table grows by every sign-in for ever. Once a
    night however many beats queue it (schedule.run_once)."""
    run_once(job="clear-expired-sessions", slot=timezone.localdate().isoformat(), running_seconds=180,
             work=import_module(settings.SESSION_ENGINE).SessionStore.clear_expired)
