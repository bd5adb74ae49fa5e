"""The e-mails Casebook sends to staff: one function per e-mail.

An e-mail may be read on a phone in a staff room or forwarded by mistake, so it carries no
confidential detail: only the kind of thing that happened, a case reference, and a link to
Casebook, where the reader signs in and sees what their role allows. Never a parent's or
child's name, never what was said or done.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

SIGN_OFF = "Sign in to Casebook to see the details.\n\nThis message was sent by Casebook. Please do not reply."


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def site_link(path: str) -> str:
    """An absolute link to a page of Casebook, from SITE_URL."""
    return settings.SITE_URL.rstrip("/") + path


def _about(reference: str) -> str:
    return f" ({reference})" if reference else ""


def concern_logged(*, reference: str, link: str) -> Email:
    return Email(
        subject=f"A new concern was logged{_about(reference)}",
        body=f"A new concern was logged on case {reference}.\n\n{link}\n\n{SIGN_OFF}",
    )


def safeguarding_flagged(*, reference: str, link: str) -> Email:
    return Email(
        subject=f"Safeguarding: a case needs your attention{_about(reference)}",
        body=f"Case {reference} has been flagged as a safeguarding concern.\n\n{link}\n\n{SIGN_OFF}",
    )


def awaiting_decision(*, reference: str, link: str) -> Email:
    return Email(
        subject=f"A case is waiting for your decision{_about(reference)}",
        body=f"Case {reference} is ready for the Head Teacher's decision.\n\n{link}\n\n{SIGN_OFF}",
    )


def letter_approved(*, reference: str, link: str) -> Email:
    return Email(
        subject=f"A letter was approved and is ready to issue{_about(reference)}",
        body=f"A letter on case {reference} was approved by the Head Teacher and is ready to be issued."
             f"\n\n{link}\n\n{SIGN_OFF}",
    )


def reminder(*, title: str, due_on: datetime.date, reference: str, link: str) -> Email:
    """`title` comes from a deadline source and, like everything here, names no person."""
    where = f" on case {reference}" if reference else ""
    return Email(
        subject=f"Reminder: {title}{_about(reference)}",
        body=f"Reminder{where}: {title}.\nDate: {due_on:%A %-d %B %Y}\n\n{link}\n\n{SIGN_OFF}",
    )


def digest(*, lines: Sequence[tuple[str, str]], on: datetime.date) -> Email:
    """One e-mail for a day's notifications: (subject, link) pairs, already free of detail."""
    listed = "\n\n".join(f"- {subject}\n  {link}" for subject, link in lines)
    plural = "" if len(lines) == 1 else "s"
    return Email(
        subject=f"Casebook: {len(lines)} notification{plural} for {on:%-d %B %Y}",
        body=f"Your daily digest from Casebook.\n\n{listed}\n\n{SIGN_OFF}",
    )


def password_reset(*, link: str, username: str) -> Email:
    """The link is a credential for an hour: the e-mail says so, and that the second factor is still asked."""
    return Email(
        subject="Reset your Casebook password",
        body=f"Someone asked to reset the Casebook password of the account {username}.\n\n"
             f"To choose a new password, open this link within an hour:\n{link}\n\n"
             "If you did not ask, ignore this e-mail: your password stays as it is. Signing in still asks for "
             "the code from your phone if you use two-factor sign-in.\n\n"
             "This message was sent by Casebook. Please do not reply.",
    )


def two_factor_reset(*, link: str) -> Email:
    return Email(
        subject="Your two-factor sign-in was reset",
        body="An administrator reset the two-factor sign-in of your Casebook account, as asked when a phone is "
             "lost. The next time you sign in you will set up your phone again.\n\n"
             "If you did not ask for this, tell the Head Teacher or the school business manager at once.\n\n"
             f"{link}\n\nThis message was sent by Casebook. Please do not reply.",
    )


def invitation(*, link: str, school_name: str, invited_by: str, days: int) -> Email:
    """The link is a credential until used or `days` pass: the e-mail says so."""
    who = f"{invited_by} has invited you" if invited_by else "You are invited"
    return Email(
        subject="You are invited to use Casebook" + (f" at {school_name}" if school_name else ""),
        body=f"{who} to use Casebook{f' at {school_name}' if school_name else ''}, where the school handles "
             "concerns about its parents' code of conduct.\n\n"
             f"To choose your password, open this link within {days} days. It works once:\n{link}\n\n"
             "If your role needs it, you will then set up two-factor sign-in with an authenticator app on your "
             "phone. If you did not expect this, tell the school office.\n\n"
             "This message was sent by Casebook. Please do not reply.",
    )


def daily_seal(*, fingerprint: str, created_at: str, timelines: int, files: int) -> Email:
    """The fingerprint of the day's seal of the records (records.seal). Kept by the Head Teacher, it
    shows later whether a seal file was replaced: `verify_integrity` prints the fingerprint it checks."""
    return Email(
        subject=f"Casebook records sealed: {fingerprint}",
        body=(f"Casebook sealed its records at {created_at}: {timelines} case timelines and {files} files.\n\n"
              f"Fingerprint: {fingerprint}\n\n"
              "Keep this e-mail. If the records are ever questioned, `verify_integrity` prints the fingerprint "
              f"of the seal it checked against; it should match one you were sent.\n\n{SIGN_OFF}"),
    )


def letter_to_recipient(*, subject: str, reference: str, salutation: str, school_name: str,
                        school_phone: str, page_link: str = "") -> Email:
    """The covering e-mail of an issued letter, to its recipient (usually the parent): the letter
    itself is the attached PDF, so the e-mail says no more than where it comes from, and, for a
    parent, the link to the letter's own page (their key to it: not to be shared)."""
    page = (f"You can also read the letter, tell us you have got it, and reply, on this page:\n{page_link}\n\n"
            "This link is only for you. Please do not share it.\n\n") if page_link else ""
    return Email(
        subject=f"{subject} ({reference})",
        body=f"Dear {salutation},\n\nPlease find attached a letter from {school_name}.\n\n{page}"
             f"{school_name}\n{school_phone}",
    )


def parent_replied(*, reference: str, link: str) -> Email:
    return Email(
        subject=f"A parent answered a letter{_about(reference)}",
        body=f"A parent answered a letter on case {reference} through the letter's page.\n\n{link}\n\n{SIGN_OFF}",
    )

