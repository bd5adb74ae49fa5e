"""The daily job: reminders of each deadline as it nears, then the digests.

Each deadline's sources are in `deadlines.py`; what is sent goes through the outbox (`services`).
Run by Celery beat each morning (tasks.daily_reminders) and by `manage.py send_reminders`.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction

from incidents.models import (
    Notification,
    User,
)
from incidents.notifications import deadlines, emails, services
from policies.models import School
from policies.models import School as SchoolModel

NotificationKind = Notification.Kind


@transaction.atomic
def digests_send(*, today: datetime.date) -> list[Notification]:
    """Gather each person's held notifications into one digest e-mail and send it.

    Writes: a digest Notification per person with anything held; the held ones point to it (and
    become "sent" when it is). Queues `send_notification` after commit. Called by the daily job.
    """
    held = (Notification.objects.select_for_update()
            .filter(digest=True, state=Notification.State.QUEUED, included_in__isnull=True)
            .exclude(kind=NotificationKind.DIGEST).order_by("recipient_id", "created_at", "pk"))
    by_recipient: dict[int, list[Notification]] = {}
    for item in held:
        if item.recipient_id is not None:  # always: only e-mails to staff are held for a digest
            by_recipient.setdefault(item.recipient_id, []).append(item)
    digests = []
    for recipient_id, items in by_recipient.items():
        email = emails.digest(lines=[(item.subject, item.link) for item in items], on=today)
        digest = Notification.objects.create(
            recipient_id=recipient_id, kind=NotificationKind.DIGEST, subject=email.subject[:200], body=email.body,
            link=emails.site_link("/"),
        )
        Notification.objects.filter(pk__in=[item.pk for item in items]).update(included_in=digest)
        services.send_after_commit(digest.pk)
        digests.append(digest)
    return digests


@dataclass(frozen=True)
class PlannedReminder:
    recipient: User
    deadline: "deadlines.Deadline"
    key: str

    def __str__(self) -> str:
        about = f" {self.deadline.case.reference}" if self.deadline.case else ""
        return (f"{self.recipient.username}: {self.deadline.title}{about} "
                f"(due {self.deadline.due_on:%d %b %Y})")


def reminders_due(*, school: School, today: datetime.date) -> list[PlannedReminder]:
    """The reminders the daily job would send today: each deadline's current stage, to each of its
    recipients who may see its case, unless already sent to them. Reads only."""
    planned = []
    for deadline in deadlines.deadlines(school=school, today=today):
        stage = deadline.stage_on(today)
        if stage is None:
            continue
        key = f"{deadline.key}:{stage.isoformat()}"
        recipients = [user for user in deadline.recipients
                      if deadline.case is None or services.may_see_case(user, deadline.case)]
        already = set(Notification.objects.filter(key=key, recipient__in=recipients)
                      .values_list("recipient_id", flat=True))
        planned += [PlannedReminder(recipient=user, deadline=deadline, key=key)
                    for user in recipients if user.pk not in already]
    return planned


@transaction.atomic
def reminders_send(*, school: School, today: datetime.date) -> list[Notification]:
    """Send today's reminders (see reminders_due), each once per event stage and person however
    often the job runs: the outbox's unique (key, recipient) refuses a second one.

    Writes: one Notification per reminder (held for a digest, or sent after commit). Called by the
    daily job.
    """
    sent = []
    for plan in reminders_due(school=school, today=today):
        deadline = plan.deadline
        reference = deadline.case.reference if deadline.case else ""
        link = emails.site_link(deadline.link_path)
        notification = services.notification_queue(
            recipient=plan.recipient, kind=NotificationKind.REMINDER, key=plan.key, link=link,
            case_reference=reference,
            email=emails.reminder(title=deadline.title, due_on=deadline.due_on, reference=reference, link=link),
        )
        if notification is not None:
            sent.append(notification)
    return sent


@dataclass(frozen=True)
class DailyRun:
    reminders: list
    digests: list


def daily_job(*, today: datetime.date, dry_run: bool = False) -> DailyRun:
    """The daily job: today's reminders at every school, then the digests (which carry the reminders of
    people who chose a digest). With `dry_run`, reports what would be sent and writes nothing.

    Run by Celery beat (tasks.daily_reminders) and by `manage.py send_reminders`.
    """
    schools = list(SchoolModel.objects.order_by("pk"))
    if dry_run:
        held = (Notification.objects.filter(digest=True, state=Notification.State.QUEUED, included_in__isnull=True)
                .values_list("recipient__username", flat=True).distinct())
        return DailyRun(reminders=[plan for school in schools for plan in reminders_due(school=school, today=today)],
                        digests=sorted(held))
    sent = [notification for school in schools for notification in reminders_send(school=school, today=today)]
    return DailyRun(reminders=sent, digests=digests_send(today=today))
