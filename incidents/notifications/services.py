"""The outbox: every e-mail Casebook sends (to staff, and issued letters to their recipients) is kept as
rendered (Notification), then sent by a Celery task after the write that caused it has committed. A
failed attempt is recorded with its reason on the row and retried with backoff; once the retries are
used up the row is "failed", shown on the letter and in the office's "E-mails not sent", and can be
sent again from there.

People who chose a daily digest get theirs from the daily job, in one e-mail; safeguarding alerts go
at once whatever the choice. An e-mail names a case by reference only (see emails.py), and goes only
to people who may see the case."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from incidents.access.permissions import can_resend_email
from incidents.access.visibility import cases_visible_to
from incidents.cases.timeline import case_event_record
from incidents.models import (
    Case,
    CaseEvent,
    Letter,
    Notification,
    User,
)
from incidents.notifications import emails, tasks
from incidents.notifications.redaction import without_secret_links
from incidents.parents import links as parent_links
from incidents.queue import enqueue
from incidents.roles import Role

NotificationKind = Notification.Kind

# Who hears of what happened on a case (before the check of who may see it).
CASE_NOTICE_ROLES: dict[str, tuple[Role, ...]] = {
    NotificationKind.CONCERN_LOGGED: (Role.LEAD,),
    NotificationKind.SAFEGUARDING: (Role.DSL,),
    NotificationKind.AWAITING_DECISION: (Role.HEAD,),
    NotificationKind.LETTER_APPROVED: (Role.OFFICE,),
    NotificationKind.PARENT_REPLIED: (Role.HEAD,),
}


CASE_NOTICE_EMAILS: dict[str, Callable[..., emails.Email]] = {
    NotificationKind.CONCERN_LOGGED: emails.concern_logged,
    NotificationKind.SAFEGUARDING: emails.safeguarding_flagged,
    NotificationKind.AWAITING_DECISION: emails.awaiting_decision,
    NotificationKind.LETTER_APPROVED: emails.letter_approved,
    NotificationKind.PARENT_REPLIED: emails.parent_replied,
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


def letter_email_queue(*, letter: Letter) -> Notification:
    """Put an issued letter's e-mail (its PDF attached when sent) in the outbox, to its recipient's
    e-mail address as it is now, with the link to the letter's page when it goes to one of the case's
    parents (parents.links: earlier links to the letter stop working). Writes: one Notification (kind
    "letter"), a ParentLink and its event; queues `send_notification` after commit. Called by
    letter_transition, inside its transaction, when a letter is issued by e-mail."""
    school = letter.case.school
    page_link = ""
    if letter.recipient_parent is not None:
        link, token, _code = parent_links.link_issue(letter=letter, parent=letter.recipient_parent)
        page_link = emails.site_link(parent_links.page_path(token))
        case_event_record(
            case=letter.case, kind=CaseEvent.Kind.PARENT_PAGE,
            summary=f"Link to the letter's page e-mailed to {letter.recipient_name} "
                    f"(works until {timezone.localtime(link.expires_at):%-d %B %Y})",
            data={"action": "issued", "parent": link.parent_id, "letter": letter.pk, "link": link.pk})
    email = emails.letter_to_recipient(subject=letter.subject, reference=letter.case.reference,
                                       salutation=letter.recipient_salutation, school_name=school.name,
                                       school_phone=school.phone, page_link=page_link)
    notification = Notification.objects.create(
        kind=NotificationKind.LETTER, letter=letter, to_address=letter.recipient_email,
        case_reference=letter.case.reference, subject=email.subject[:200], body=email.body)
    send_after_commit(notification.pk)
    return notification


def failure_reason(error: BaseException) -> str:
    """What went wrong, in one line for the outbox: the error's own words, or its kind when it has none."""
    text = " ".join(str(error).split())
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:500]


def _message(notification: Notification) -> EmailMessage:
    if notification.letter is None:
        assert notification.recipient is not None  # the outbox_to_staff_or_a_letter constraint
        return EmailMessage(subject=notification.subject, body=notification.body, to=[notification.recipient.email])
    letter = notification.letter
    school = letter.case.school
    message = EmailMessage(subject=notification.subject, body=notification.body, to=[notification.to_address],
                           reply_to=[school.email] if school.email else None)
    with letter.pdf.open("rb") as handle:
        message.attach(letter.pdf_filename, handle.read(), "application/pdf")
    return message


def _missing_for_sending(notification: Notification) -> str:
    """What no retry could mend: a member of staff or a letter without an e-mail address, a letter without its PDF."""
    if notification.recipient is not None:
        return "" if notification.recipient.email else f"{notification.recipient.display_name} has no e-mail address"
    if not notification.to_address:
        return "The letter has no e-mail address"
    return "" if notification.letter and notification.letter.pdf else "The letter has no PDF"


def notification_deliver(*, notification_id: int) -> None:
    """Send one outbox e-mail. Writes: attempts + 1; on success state "sent" and the time (and the
    same for the notifications a digest carries; a letter's `emailed_at`), and the kept body loses
    its token links (redaction.without_secret_links). A failure is written on
    the row with its reason (still queued) and raised so the task retries; an e-mail that was sent
    already is not sent again. A recipient without an e-mail address is no failure that a retry
    could mend: recorded as failed at once (see notification_failed). Called only by the task."""
    notification = Notification.objects.select_related("recipient", "letter__case__school").get(pk=notification_id)
    if notification.state == Notification.State.SENT:
        return
    Notification.objects.filter(pk=notification_id).update(attempts=F("attempts") + 1)
    if missing := _missing_for_sending(notification):
        notification_failed(notification_id=notification_id, error=missing)
        return
    try:
        _message(notification).send()
    except Exception as error:
        Notification.objects.filter(pk=notification_id, state=Notification.State.QUEUED).update(
            error=failure_reason(error))
        raise
    now = timezone.now()
    done = {"state": Notification.State.SENT, "sent_at": now, "error": ""}
    with transaction.atomic():
        Notification.objects.filter(pk=notification_id).update(**done, body=without_secret_links(notification.body))
        Notification.objects.filter(included_in=notification_id).update(**done)
        if notification.letter_id:
            Letter.objects.filter(pk=notification.letter_id).update(emailed_at=now, email_error="")


def notification_failed(*, notification_id: int, error: str) -> None:
    """Record that an e-mail could not be sent after the retries. Writes: state "failed" and the
    error (also on what a digest carried). Called only by the task."""
    failed = {"state": Notification.State.FAILED, "error": error[:500]}
    with transaction.atomic():
        Notification.objects.filter(pk=notification_id).exclude(state=Notification.State.SENT).update(**failed)
        Notification.objects.filter(included_in=notification_id).exclude(
            state=Notification.State.SENT).update(**failed)


def notification_retry(*, notification: Notification, by: User) -> Notification:
    """Send a failed e-mail again, from the letter page or "E-mails not sent". The office and the
    Head Teacher only, and only an e-mail they may see (see selectors.emails_not_sent).

    Writes: state "queued" with the error cleared (and on what a digest carried); a case event for
    a letter's e-mail. Queues `send_notification` after commit. Raises PermissionDenied, or
    ValidationError for an e-mail that has not failed."""
    if not can_resend_email(by):
        raise PermissionDenied("Only the office or the Head Teacher can send an e-mail again.")
    with transaction.atomic():
        locked = Notification.objects.select_for_update(of=("self",)).select_related("letter__case").get(
            pk=notification.pk)
        if locked.state != Notification.State.FAILED:
            raise ValidationError("This e-mail has not failed: it has been sent or is waiting to be sent.")
        queued = {"state": Notification.State.QUEUED, "error": ""}
        Notification.objects.filter(pk=locked.pk).update(**queued)
        Notification.objects.filter(included_in=locked.pk).exclude(state=Notification.State.SENT).update(**queued)
        if locked.letter is not None:
            case_event_record(
                case=locked.letter.case, kind=CaseEvent.Kind.LETTER, actor=by,
                summary=f"Letter e-mail to {locked.letter.recipient_name} tried again",
                data={"letter": locked.letter.pk, "email": locked.pk},
            )
        send_after_commit(locked.pk)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def user_set_notification_mode(*, user: User, mode: str) -> User:
    """A person's own choice: e-mails at once, or one daily digest. Writes: User.notification_mode."""
    user.notification_mode = User.NotificationMode(mode)
    user.save(update_fields=["notification_mode"])
    return user
