"""Chats read from exported WhatsApp evidence: the import, its messages, media and the lead's marks.

Everything here except the marks is derived from the evidence file and can be rebuilt from it
(services.chat_import_rebuild). Marks point at a message by its stable key, never by row id, so
they survive a rebuild.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models

from policies.models import Clause

from .evidence import Evidence


class ChatImport(models.Model):
    """How one piece of chat evidence was read."""

    class Status(models.TextChoices):
        AWAITING_DATE_ORDER = "awaiting_date_order", "Not yet read: choose the date order"
        READ = "read", "Read"

    class DateOrder(models.TextChoices):
        DAY_FIRST = "dmy", "Day first (UK, e.g. 05/02 = 5 February)"
        MONTH_FIRST = "mdy", "Month first (US, e.g. 05/02 = 2 May)"

    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="chat_import")
    chat_name = models.CharField(max_length=255, help_text="The chat text's name (inside the zip, if zipped).")
    status = models.CharField(max_length=20, choices=Status, default=Status.AWAITING_DATE_ORDER)
    date_order = models.CharField(max_length=3, choices=DateOrder, blank=True)
    date_order_chosen = models.BooleanField(
        default=False, help_text="Chosen by a person because the file could not tell (not proved by the file).",
    )
    platform = models.CharField(max_length=10, blank=True)
    parser_version = models.CharField(max_length=16, blank=True)
    authors = models.JSONField(default=list, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Chat {self.chat_name}"


class ChatMessage(models.Model):
    """One message or event of the chat, as the parser read it.

    The time is kept exactly as written on the sender's phone, as a date and a time with no zone:
    an export does not say which zone it was written in, so converting it would be a guess.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        SYSTEM = "system", "Group event"
        MEDIA = "media", "Media"
        DELETED = "deleted", "Deleted message"

    chat_import = models.ForeignKey(ChatImport, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField(help_text="Order in the chat (not stable across parser versions).")
    line_number = models.PositiveIntegerField()
    sent_on = models.DateField()
    sent_time = models.TimeField()
    author = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    kind = models.CharField(max_length=8, choices=Kind)
    media_name = models.CharField(max_length=255, blank=True)
    key = models.CharField(max_length=80, help_text="Line number and SHA-256 of the text: stable across rebuilds.")

    class Meta:
        ordering = ["chat_import", "position"]
        constraints = [models.UniqueConstraint(fields=["chat_import", "key"], name="chat_message_key_unique")]
        indexes = [models.Index(fields=["chat_import", "position"])]

    def __str__(self) -> str:
        return f"{self.sent_at:%d/%m/%Y %H:%M} {self.author or 'WhatsApp'}: {self.text[:60]}"

    @property
    def sent_at(self) -> datetime.datetime:
        """Naive: the time as written in the export."""
        return datetime.datetime.combine(self.sent_on, self.sent_time)


def chat_media_path(instance: "ChatMedia", filename: str) -> str:
    return f"evidence/{instance.chat_import.evidence.case_id}/chat-media/{uuid.uuid4().hex}"


class ChatMedia(models.Model):
    """A file that came in the chat's zip, kept privately with its SHA-256."""

    chat_import = models.ForeignKey(ChatImport, on_delete=models.PROTECT, related_name="media")
    name = models.CharField(max_length=255, help_text="Its name inside the zip.")
    file = models.FileField(upload_to=chat_media_path, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["chat_import", "name"], name="chat_media_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/jpeg"}

    @property
    def base_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]


class ChatMark(models.Model):
    """The lead's mark on a message: it breaches this clause. Unmarking keeps the row (removed_at/by)."""

    chat_import = models.ForeignKey(ChatImport, on_delete=models.PROTECT, related_name="marks")
    message_key = models.CharField(max_length=80)
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["marked_at", "id"]
        indexes = [models.Index(fields=["chat_import", "message_key"])]

    def __str__(self) -> str:
        return f"Mark on {self.message_key} ({self.clause.number})"
