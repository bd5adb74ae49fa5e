from celery import shared_task


@shared_task
def ping(value: str = "pong") -> str:
    """A small task to prove the worker and broker work end to end (used by tests and /healthz checks)."""
    return value
