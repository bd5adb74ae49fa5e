"""The outbox: every e-mail Casebook sends, to staff or a letter to a parent, kept as rendered, with its state."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """One e-mail to one member of staff, or one issued letter to its recipient. An e-mail to staff
    names a case by reference only: never a person or what happened; a letter's e-mail carries its PDF.

    A reminder carries a `key` (the event and its stage, e.g. "sar:12:2026-03-01"): the unique
    (key, recipient) pair is what makes the daily job send each reminder once per person.
    """

    class Kind(models.TextChoices):
        CONCERN_LOGGED = "concern_logged", "A new concern was logged"
        SAFEGUARDING = "safeguarding", "A case was flagged as safeguarding"
        AWAITING_DECISION = "awaiting_decision", "A case is waiting for your decision"
        LETTER_APPROVED = "letter_approved", "A letter was approved and is ready to issue"
        REMINDER = "reminder", "Reminder"
        DIGEST = "digest", "Daily digest"
        PASSWORD_RESET = "password_reset", "Password reset link"
        TWO_FACTOR_RESET = "two_factor_reset", "Two-factor sign-in was reset"
        INVITATION = "invitation", "An invitation to join Casebook"
        SEAL = "seal", "The records were sealed"
        LETTER = "letter", "A letter"
        PARENT_REPLIED = "parent_replied", "The parent answered through their letter page"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications",
                                  null=True, blank=True, help_text="The member of staff; none for a letter.")
    letter = models.ForeignKey("incidents.Letter", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="emails", help_text="The issued letter this e-mail carries.")
    to_address = models.EmailField(blank=True, help_text="A letter's e-mail address, as it was when issued.")
    kind = models.CharField(max_length=20, choices=Kind, db_index=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="The e-mail exactly as it was (or will be) sent.")
    # A reference, not a foreign key: the outbox outlives a case disposed of at the end of retention.
    case_reference = models.CharField(max_length=20, blank=True, db_index=True)
    link = models.URLField(max_length=300, blank=True)
    key = models.CharField(max_length=120, null=True, blank=True, help_text="Reminders only: event and stage.")
    digest = models.BooleanField(default=False, help_text="Held for the recipient's daily digest.")
    included_in = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="items",
        help_text="The digest e-mail that carried this notification.",
    )
    state = models.CharField(max_length=8, choices=State, default=State.QUEUED, db_index=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient"], name="reminder_once_per_person",
                                    condition=models.Q(key__isnull=False)),
            models.CheckConstraint(name="outbox_to_staff_or_a_letter",
                                   condition=models.Q(recipient__isnull=False) | models.Q(letter__isnull=False)),
        ]
        indexes = [models.Index(fields=["digest", "state"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient or self.to_address} ({self.get_state_display()})"

    @property
    def addressee(self) -> str:
        """Who it is to, in words: the member of staff, or the letter's recipient and address."""
        if self.recipient is not None:
            return self.recipient.display_name
        return f"{self.letter.recipient_name} <{self.to_address}>" if self.letter else self.to_address
