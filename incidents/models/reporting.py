"""Files sent with a concern reported online, kept until the office files the concern on a case."""

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from .cases import Concern


def reported_file_path(instance: "ReportedFile", filename: str) -> str:
    # The stored name never comes from the reporter: no path tricks, nothing guessable.
    return f"reported/{uuid.uuid4().hex}"


class ReportedFile(models.Model):
    """A screenshot, document or chat export sent through the public form, checked as evidence is.

    It becomes evidence on the case (evidence_add, or evidence_add_chat for a chat export) when the
    office opens a case from the concern or adds the concern to a case; the file itself is kept."""

    class Kind(models.TextChoices):
        FILE = "file", "Screenshot or document"
        CHAT = "chat", "Exported chat"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="reported_files")
    file = models.FileField(upload_to=reported_file_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.FILE)
    evidence = models.OneToOneField("incidents.Evidence", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reported_file")
    received_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
