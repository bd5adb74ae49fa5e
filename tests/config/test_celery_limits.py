import os
import subprocess
import sys
from pathlib import Path

import incidents.letters.tasks
import incidents.notifications.tasks
import incidents.tasks
from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _limits(task) -> tuple[float, float]:
    return (task.soft_time_limit or app.conf.task_soft_time_limit, task.time_limit or app.conf.task_time_limit)


TASK_MODULES = (incidents.tasks, incidents.letters.tasks, incidents.notifications.tasks)  # registers them


def test_every_casebook_task_has_a_soft_limit_below_its_hard_limit():
    tasks = {name: task for name, task in app.tasks.items() if name.startswith("incidents.")}
    assert "incidents.letters.tasks.render_letter_pdf" in tasks and "incidents.tasks.worker_heartbeat" in tasks
    for name, task in tasks.items():
        soft, hard = _limits(task)
        assert soft and hard, f"{name} could run for ever"
        assert soft < hard, name


def test_rendering_a_letter_and_the_daily_job_get_longer_than_the_default():
    render = app.tasks["incidents.letters.tasks.render_letter_pdf"]
    daily = app.tasks["incidents.notifications.tasks.daily_reminders"]
    assert _limits(render)[0] > app.conf.task_soft_time_limit
    assert _limits(daily)[0] > app.conf.task_soft_time_limit
    assert _limits(app.tasks["incidents.tasks.ping"]) == (120, 180)


def test_a_soft_limit_not_below_the_hard_limit_stops_start_up():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**_environment(), "CELERY_TASK_SOFT_TIME_LIMIT": "300", "CELERY_TASK_TIME_LIMIT": "200"},
    )
    assert result.returncode != 0
    assert "CELERY_TASK_SOFT_TIME_LIMIT must be less than CELERY_TASK_TIME_LIMIT" in result.stderr


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
