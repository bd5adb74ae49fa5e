"""What the school gathers: files, typed statements, and conversations (contacts)."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .cases import Case
from .people import Parent


def evidence_path(instance: "Evidence", filename: str) -> str:
    # The stored name never comes from the uploader: no path tricks, nothing guessable.
    return f"evidence/{instance.case_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    class Obtained(models.TextChoices):
        SCREENSHOT = "screenshot", "Screenshot sent to the school"
        CHAT_EXPORT = "chat_export", "Exported chat"
        EMAIL = "email", "E-mail forwarded"
        DOCUMENT = "document", "Document handed in"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    description = models.CharField(max_length=300, blank=True)
    provided_by = models.CharField(max_length=120, help_text="Who gave it to the school.")
    provided_at = models.DateTimeField(help_text="When the school received it.")
    obtained = models.CharField("how it was obtained", max_length=16, choices=Obtained, default=Obtained.OTHER)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["provided_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.original_name


class Statement(models.Model):
    """A typed statement from someone involved, in their words."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="statements")
    given_by = models.CharField(max_length=120)
    given_on = models.DateField()
    text = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["given_on", "id"]

    def __str__(self) -> str:
        return f"Statement by {self.given_by}"


class Contact(models.Model):
    """A conversation with someone involved, or with the parent concerned."""

    class Method(models.TextChoices):
        PHONE = "phone", "Phone call"
        MEETING = "meeting", "Meeting in person"
        EMAIL = "email", "E-mail"
        VIDEO = "video", "Video call"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    happened_at = models.DateTimeField()
    with_whom = models.CharField(max_length=200)
    parent = models.ForeignKey(
        Parent, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts",
        help_text="Set when the conversation was with a parent concerned.",
    )
    method = models.CharField(max_length=10, choices=Method)
    summary = models.TextField(help_text="A factual summary.")
    agreed_actions = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["happened_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} with {self.with_whom}"
