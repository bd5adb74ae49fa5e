"""Putting work on Celery's queue, and what happens when the broker cannot be reached."""

import logging

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
