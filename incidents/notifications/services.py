"""The outbox: every e-mail to staff is kept as rendered (Notification), then sent by a Celery task after
the write that caused it has committed.

People who chose a daily digest get theirs from the daily job, in one e-mail; safeguarding alerts go
at once whatever the choice. An e-mail names a case by reference only (see emails.py), and goes only
to people who may see the case."""

from collections.abc import Callable

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from incidents.access.visibility import cases_visible_to
from incidents.models import (
    Case,
    Notification,
    User,
)
from incidents.notifications import emails, tasks
from incidents.queue import enqueue
from incidents.roles import Role

NotificationKind = Notification.Kind

# Who hears of what happened on a case (before the check of who may see it).
CASE_NOTICE_ROLES: dict[str, tuple[Role, ...]] = {
    NotificationKind.CONCERN_LOGGED: (Role.LEAD,),
    NotificationKind.SAFEGUARDING: (Role.DSL,),
    NotificationKind.AWAITING_DECISION: (Role.HEAD,),
    NotificationKind.LETTER_APPROVED: (Role.OFFICE,),
}


CASE_NOTICE_EMAILS: dict[str, Callable[..., emails.Email]] = {
    NotificationKind.CONCERN_LOGGED: emails.concern_logged,
    NotificationKind.SAFEGUARDING: emails.safeguarding_flagged,
    NotificationKind.AWAITING_DECISION: emails.awaiting_decision,
    NotificationKind.LETTER_APPROVED: emails.letter_approved,
}


# Sent at once even to someone who chose a daily digest.
ALWAYS_AT_ONCE = {NotificationKind.SAFEGUARDING}


def may_see_case(user: User, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


NOTIFICATION_WAITING_FOR_QUEUE = "Waiting for the task queue, which could not be reached."


def _notification_enqueue(notification_id: int, *, was_waiting: bool = False) -> bool:
    """Queue the e-mail; if the broker is down, note it on the outbox row (still queued). A row
    that was waiting for the queue has the note cleared once queued."""

    queued = enqueue(tasks.send_notification, notification_id)
    if was_waiting or not queued:
        Notification.objects.filter(pk=notification_id, state=Notification.State.QUEUED).update(
            error="" if queued else NOTIFICATION_WAITING_FOR_QUEUE)
    return queued


def send_after_commit(notification_id: int) -> None:
    transaction.on_commit(lambda: _notification_enqueue(notification_id))


def notifications_requeue_waiting() -> int:
    """Queue again every outbox e-mail that could not be queued. Called by the every-minute job."""
    waiting = Notification.objects.filter(state=Notification.State.QUEUED, error=NOTIFICATION_WAITING_FOR_QUEUE)
    return sum(_notification_enqueue(pk, was_waiting=True) for pk in waiting.values_list("pk", flat=True))


def notification_queue(
    *,
    recipient: User,
    kind: str,
    email: "emails.Email",
    case_reference: str = "",
    link: str = "",
    key: str | None = None,
    at_once: bool = False,
) -> Notification | None:
    """Keep one e-mail in the outbox and have it sent, unless the recipient takes a daily digest.

    Writes: Notification (queued; `digest` set when held for the digest). Queues `send_notification`
    after commit for an e-mail sent at once. A reminder (with `key`) already sent to this person is
    not written again: returns None. Called by the services here only.
    """
    digest = not at_once and recipient.notification_mode == User.NotificationMode.DIGEST
    fields = {"recipient": recipient, "kind": kind, "subject": email.subject[:200], "body": email.body,
              "case_reference": case_reference, "link": link, "key": key, "digest": digest}
    if key is None:
        notification = Notification.objects.create(**fields)
    else:
        try:
            with transaction.atomic():  # a savepoint: a reminder already sent must not undo the rest
                notification = Notification.objects.create(**fields)
        except IntegrityError:
            return None
    if not digest:
        send_after_commit(notification.pk)
    return notification


@transaction.atomic
def case_notify(*, case_id: int, kind: str, by: User | None = None) -> list[Notification]:
    """Tell the people concerned that something happened on a case: who, by `CASE_NOTICE_ROLES`,
    and only those who may see the case (a restricted case tells only those it is open to); never
    the person who did it.

    Writes: one Notification per recipient (see notification_queue). Called after commit by the
    workflow services (concern_log, case_update, case_transition, letter_transition).
    """
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return []
    recipients = User.objects.filter(is_active=True, groups__name__in=[r.value for r in CASE_NOTICE_ROLES[kind]])
    if by is not None:
        recipients = recipients.exclude(pk=by.pk)
    # Their roles, for the visibility check, in one query.
    recipients = recipients.distinct().order_by("pk").prefetch_related("groups")
    link = emails.site_link(case.get_absolute_url())
    email = CASE_NOTICE_EMAILS[kind](reference=case.reference, link=link)
    sent = []
    for user in recipients:
        if may_see_case(user, case):
            notification = notification_queue(recipient=user, kind=kind, email=email, case_reference=case.reference,
                                              link=link, at_once=kind in ALWAYS_AT_ONCE)
            assert notification is not None  # only a reminder (with a key) is ever not written
            sent.append(notification)
    return sent


def case_notify_after_commit(*, case: Case, kind: str, by: User | None = None) -> None:
    """Register `case_notify` to run once the current write commits: nothing is said of a write
    that is rolled back."""
    transaction.on_commit(lambda: case_notify(case_id=case.pk, kind=kind, by=by))


def notification_deliver(*, notification_id: int) -> None:
    """Send one outbox e-mail. Writes: attempts + 1; on success state "sent" and the time (and the
    same for the notifications a digest carries). A failure raises so the task retries; an e-mail
    that was sent already is not sent again. A recipient without an e-mail address is no failure
    that a retry could mend: recorded as failed at once (see notification_failed). Called only by
    the task."""
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.state == Notification.State.SENT:
        return
    Notification.objects.filter(pk=notification_id).update(attempts=F("attempts") + 1)
    if not notification.recipient.email:
        notification_failed(notification_id=notification_id,
                            error=f"{notification.recipient.display_name} has no e-mail address")
        return
    EmailMessage(subject=notification.subject, body=notification.body,
                 to=[notification.recipient.email]).send()
    done = {"state": Notification.State.SENT, "sent_at": timezone.now(), "error": ""}
    with transaction.atomic():
        Notification.objects.filter(pk=notification_id).update(**done)
        Notification.objects.filter(included_in=notification_id).update(**done)


def notification_failed(*, notification_id: int, error: str) -> None:
    """Record that an e-mail could not be sent after the retries. Writes: state "failed" and the
    error (also on what a digest carried). Called only by the task."""
    failed = {"state": Notification.State.FAILED, "error": error[:500]}
    with transaction.atomic():
        Notification.objects.filter(pk=notification_id).exclude(state=Notification.State.SENT).update(**failed)
        Notification.objects.filter(included_in=notification_id).exclude(
            state=Notification.State.SENT).update(**failed)


@transaction.atomic
def user_set_notification_mode(*, user: User, mode: str) -> User:
    """A person's own choice: e-mails at once, or one daily digest. Writes: User.notification_mode."""
    user.notification_mode = User.NotificationMode(mode)
    user.save(update_fields=["notification_mode"])
    return user
