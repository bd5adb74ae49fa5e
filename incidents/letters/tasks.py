"""The letter's work on the worker: rendering its PDF. Its e-mail goes through the outbox (notifications.tasks)."""

from celery import Task, shared_task

from incidents.letters import services
from incidents.queue import RETRIES
from policies.pdf import pdf_failure_in_words


class _LetterRenderTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Called once the retries are used up: the letter page then shows a plain error.

        services.letter_render_failed(letter_id=args[0] if args else kwargs["letter_id"],
                                      error=pdf_failure_in_words(exc))


@shared_task(base=_LetterRenderTask, autoretry_for=(Exception,), max_retries=RETRIES,
             retry_backoff=1, retry_backoff_max=30, retry_jitter=False)
def render_letter_pdf(letter_id: int) -> str:
    """Render a letter's PDF on the worker (see services.letter_render_pdf). Retried with backoff."""
    return services.letter_render_pdf(letter_id=letter_id).render_state
