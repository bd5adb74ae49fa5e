"""The Celery app. With REDIS_URL unset, tasks run in-process (eager) — the embedded default."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("casebook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["incidents", "incidents.letters", "incidents.notifications", "incidents.records"])
