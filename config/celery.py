"""The Celery app. The worker and beat use the production settings unless DJANGO_SETTINGS_MODULE says
otherwise (`make worker` runs the development settings). With REDIS_URL unset, tasks run in-process."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("casebook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(
    ["incidents", "incidents.letters", "incidents.notifications", "incidents.records", "incidents.trusts"])


@worker_ready.connect
def _seen_at_start(**kwargs) -> None:
    """A worker shows on /healthz as soon as it is up, not only after beat's first heartbeat."""
    from config.health import worker_heartbeat_record  # needs the settings, which Celery loads lazily

    try:
        worker_heartbeat_record()
    except Exception:  # noqa: S110 - Redis not answering yet: beat's heartbeat will record it
        pass
