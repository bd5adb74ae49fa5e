"""Reads of the outbox: the e-mails that were not sent, as the office sees them, and a letter's e-mail."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from incidents.access.permissions import can_resend_email
from incidents.access.visibility import cases_visible_to
from incidents.models import Letter, Membership, Notification, User


def emails_not_sent(user: User) -> QuerySet[Notification]:
    """The e-mails that have not gone (failed, or waiting after a failed attempt), newest first, for
    the office and the Head Teacher: a letter's only when they may see its case, an e-mail to staff
    only when it names no case or one they may see (a restricted case's reference is not shown to
    those it is closed to). A digest stands for what it carried. Nobody else: none."""
    if not can_resend_email(user):
        return Notification.objects.none()
    visible = cases_visible_to(user)
    # An e-mail of no case (an invitation, a digest) belongs to the school its recipient works in.
    of_school = Q(recipient__in=Membership.objects.filter(school=user.school_in_hand).values("user_id"))
    shown = (Q(letter__isnull=False, letter__case__in=visible)
             | Q(letter__isnull=True) & (Q(case_reference="") & of_school
                                         | Q(case_reference__in=visible.values("reference"))))
    not_sent = Q(state=Notification.State.FAILED) | Q(state=Notification.State.QUEUED) & ~Q(error="")
    return (Notification.objects.filter(not_sent, shown, included_in__isnull=True)
            .select_related("recipient", "letter__case").order_by("-created_at", "-pk"))


def email_not_sent_for(user: User, pk: int) -> Notification:
    """One e-mail of `emails_not_sent(user)`; 404 otherwise."""
    return get_object_or_404(emails_not_sent(user), pk=pk)


def letter_email(letter: Letter) -> Notification | None:
    """The letter's latest e-mail in the outbox, or None (not issued by e-mail)."""
    return letter.emails.order_by("-created_at", "-pk").first()
