"""The outbox: every e-mail Casebook sends to staff, kept as rendered, with its state."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """One e-mail to one member of staff. It names a case by reference only: never a person or what happened.

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
        SEAL = "seal", "The records were sealed"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
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
        ]
        indexes = [models.Index(fields=["digest", "state"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient} ({self.get_state_display()})"
