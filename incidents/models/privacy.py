"""Data-protection records: subject access requests."""

import calendar
import datetime

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .people import Parent


def one_calendar_month_after(day: datetime.date) -> datetime.date:
    """UK GDPR: a month from the day received, school holidays included (31 Jan → 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class SubjectAccessRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"

    parent = models.ForeignKey(Parent, on_delete=models.PROTECT, related_name="access_requests")
    received_on = models.DateField()
    due_on = models.DateField(help_text="One calendar month after it was received.")
    how_received = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"Subject access request from {self.parent} (due {self.due_on:%d %b %Y})"


class CaseTombstone(models.Model):
    """What remains of a case after its content was disposed of at the end of the retention period."""

    school = models.ForeignKey("policies.School", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, unique=True)
    incident_date = models.DateField()
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True)
    retention_years = models.PositiveSmallIntegerField()
    authorised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purged_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300)
    removed = models.JSONField(default=dict, help_text="How many records of each kind were removed.")
    last_event_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-purged_at"]

    def __str__(self) -> str:
        return f"{self.reference} (disposed of {self.purged_at:%d %b %Y})"
