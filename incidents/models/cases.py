"""Concerns, cases and the case timeline."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from policies.models import Clause, PolicyVersion, School

from .people import Parent, ParentGroup

# Case fields copied from other records by one service each, never by a form, the admin or an
# ordinary save of an instance that may have been loaded before the copy changed.
DERIVED_FIELDS = ("response", "response_sanction")


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        INVESTIGATING = "investigating", "Investigating"
        AWAITING_DECISION = "awaiting_decision", "Awaiting decision"
        DECIDED = "decided", "Decided"
        SANCTION_IN_FORCE = "sanction_in_force", "Sanction in force"
        CLOSED = "closed", "Closed"

    class Response(models.TextChoices):
        """The response in force, by its kind (Sanction.Kind); a site ban in two: keeping the parent
        off the site now (provisional, representations received, confirmed, varied) or not (still to
        do, or lifted)."""

        NONE = "", "No response"
        WARNING = "warning", "Warning"
        MEETING = "meeting", "Meeting"
        REFERRAL = "referral", "Referral to the authorities"
        LEGAL = "legal", "Legal advice"
        MODERATORS = "moderators", "Request to group moderators"
        BAN = "ban", "Site ban (to do, or lifted)"
        BAN_IN_FORCE = "ban_in_force", "Site ban in force"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cases")
    # The school's short code, the year, its own count: HIL-2026-0042 (cases.services.case_reference_next).
    # Unique across the installation, as school codes are, so a case's address names one case.
    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="Facts, not opinions.")
    status = models.CharField(max_length=20, choices=Status, default=Status.NEW, db_index=True)
    severity = models.CharField(max_length=8, choices=Severity, default=Severity.MEDIUM, db_index=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="led_cases", verbose_name="investigating lead",
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_cases",
        help_text="Other staff working on the case.",
    )
    governors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="referred_cases",
        help_text="Governors the case is referred to (read-only).",
    )
    parents = models.ManyToManyField(Parent, blank=True, related_name="cases", verbose_name="parents concerned")
    incident_date = models.DateField(help_text="When the conduct happened.")
    policy_version = models.ForeignKey(PolicyVersion, null=True, blank=True, on_delete=models.PROTECT)
    clauses = models.ManyToManyField(
        Clause, blank=True, related_name="cases", verbose_name="clauses allegedly breached"
    )
    restricted = models.BooleanField(default=False, db_index=True)
    safeguarding = models.BooleanField(default=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_cases"
    )
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the case entered its present status (set by services.case_transition): "waiting for a
    # decision since" without reading the timeline.
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    # Optimistic locking: every save through a service increments it; a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    # The words of the title, summary, concerns and statements, for full-text search on PostgreSQL
    # (GIN-indexed in migration 0010). Kept up to date by services.case_search_document_refresh; unused
    # (always empty) on SQLite, where selectors.case_search falls back to plain matching.
    search_document = SearchVectorField(null=True, editable=False)
    # The response in force, copied from the case's sanctions so that the case list can show it and
    # filter by it without reading the sanctions of every case (a filter through them took p95
    # 77–165 ms at 100,000 cases). Written only by decisions.sanctions.case_response_refresh, in the
    # same transaction as the sanction's change; decisions.selectors.response_in_force_among says
    # which of several responses is the one in force.
    response = models.CharField(max_length=16, choices=Response, blank=True, editable=False)
    response_sanction = models.ForeignKey("Sanction", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", editable=False)
    history = HistoricalRecords(m2m_fields=[clauses, parents, assignees],
                                excluded_fields=["search_document", *DERIVED_FIELDS])

    class Meta:
        ordering = ["-opened_at"]
        # Each serves a read that runs on every list page at 100,000 cases. The first two
        # are the parts of cases_visible_to for office staff (index-only scans); the third the
        # commonest filter (status and severity, newest first). The full-text and the covering
        # index (id → status, opened_at) are PostgreSQL-only: migrations 0010 and 0011.
        indexes = [
            models.Index(fields=["created_by", "id"], condition=models.Q(restricted=False),
                         name="case_open_by_creator"),
            models.Index(fields=["id"], condition=models.Q(restricted=True), name="case_restricted_ids"),
            models.Index(fields=["status", "severity", "opened_at"], name="case_status_severity_opened"),
            models.Index(fields=["incident_date"], name="case_incident_date"),  # the list's "sort by incident date"
            # The home page's deadlines: the cases longest in a status (awaiting a decision) first.
            models.Index(fields=["status", "status_changed_at"], name="case_status_changed"),
            # The list filtered by the response in force: its page, newest first; and its count for
            # office staff, whose visible cases are probed by id (an index-only probe, not a row each).
            models.Index(fields=["response", "opened_at"], name="case_response_opened"),
            models.Index(fields=["response", "id"], name="case_response_ids"),
            # A trust's cases by school and month (trusts.selectors), read without the wide case rows.
            models.Index(fields=["school", "opened_at"], include=["id"], name="case_school_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs):
        # The search document is written only by services.case_search_document_refresh, in SQL. An
        # ordinary save of an instance loaded earlier (a form, the admin) must not write back its
        # stale copy of it.
        if self.pk and not kwargs.get("force_insert") and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [field.attname for field in self._meta.concrete_fields
                                       if not field.primary_key and field.name != "search_document"
                                       and field.name not in DERIVED_FIELDS]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("incidents:case_detail", args=[self.reference])


class ReferenceCounter(models.Model):
    """Last case number a school used in a year, so its references are HIL-2026-0001, HIL-2026-0002, …"""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="reference_counter_unique")]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Concern(models.Model):
    class Channel(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp group"
        CLASS_LIST = "class_list", "Class list"
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone"
        IN_PERSON = "in_person", "In person"
        SOCIAL_MEDIA = "social_media", "Other social media"
        LETTER = "letter", "Letter"
        OTHER = "other", "Other"

    class Source(models.TextChoices):
        OFFICE = "office", "Logged by staff"
        ONLINE = "online", "Reported online"

    class Reporter(models.TextChoices):
        PARENT = "parent", "A parent or carer"
        MODERATOR = "moderator", "A group moderator"
        OTHER = "other", "Someone else"

    class Triage(models.TextChoices):
        # Only a concern reported online waits in the office's queue; one logged by staff is on a case.
        AWAITING = "awaiting", "Waiting to be looked at"
        CASE_OPENED = "case_opened", "Case opened"
        ATTACHED = "attached", "Added to a case"
        NOT_A_CONCERN = "not_a_concern", "Not a concern"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="concerns")
    # Empty only while a concern reported online waits in the office's queue (incidents.reporting).
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns")
    received_at = models.DateTimeField()
    channel = models.CharField("how it arrived", max_length=16, choices=Channel)
    raised_by_name = models.CharField("raised by", max_length=120, blank=True)
    raised_by_contact = models.CharField("their contact details", max_length=200, blank=True)
    raised_anonymously = models.BooleanField(
        "asked to remain anonymous", default=False,
        help_text="Never shown to the parent concerned or in any letter to them.",
    )
    group = models.ForeignKey(ParentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns")
    parents = models.ManyToManyField(Parent, related_name="concerns", verbose_name="parents concerned")
    description = models.TextField("what happened")
    safeguarding = models.BooleanField("safeguarding concern", default=False)
    # Empty for a concern reported online: no member of staff logged it.
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="logged_concerns")
    logged_at = models.DateTimeField(auto_now_add=True)
    # A concern reported through the public form (incidents.reporting): what the reporter wrote about
    # who and where (free text: the form never offers the school's lists of parents or groups), their
    # receipt (random, never the case reference), and how the office dealt with it.
    source = models.CharField(max_length=8, choices=Source, default=Source.OFFICE)
    receipt = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)
    reporter_is = models.CharField("who reported it", max_length=12, choices=Reporter, blank=True)
    about = models.CharField("who it is about, in the reporter's words", max_length=200, blank=True)
    where_detail = models.CharField("which group or place", max_length=200, blank=True)
    happened_on = models.DateField("when it happened", null=True, blank=True)
    triage = models.CharField(max_length=16, choices=Triage, blank=True, db_index=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_note = models.TextField("reason", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["logged_by", "case"], name="concern_logged_by_case"),
            # The home page's "Concerns you logged", newest first.
            models.Index(fields=["logged_by", "logged_at"], name="concern_logged_by_at"),
            # A case's first concern, read without the table (reports.statistics: days to decision).
            models.Index(fields=["case", "received_at"], name="concern_case_received"),
        ]

    def __str__(self) -> str:
        return f"Concern of {self.received_at:%d %b %Y} ({self.get_channel_display()})"

    @property
    def raised_by_display(self) -> str:
        """The raiser as staff who may see the case see them. "Anonymous" means anonymous to the
        parent concerned: what reaches the parent goes through incidents.people.confidentiality."""
        return self.raised_by_name or "Not recorded"


class CaseEvent(models.Model):
    """One line of a case's readable timeline. Chained by hashes so tampering shows."""

    class Algorithm(models.TextChoices):
        HMAC_SHA256 = "hmac-sha256", "HMAC-SHA-256 keyed with CASEBOOK_INTEGRITY_KEY"
        SHA256 = "sha256", "plain SHA-256 (recorded before the chain was keyed)"

    class Kind(models.TextChoices):
        OPENED = "opened", "Case opened"
        CONCERN = "concern", "Concern"
        STATUS = "status", "Status changed"
        UPDATED = "updated", "Case updated"
        EVIDENCE = "evidence", "Evidence"
        STATEMENT = "statement", "Statement"
        CONTACT = "contact", "Contact"
        RECOMMENDATION = "recommendation", "Recommendation"
        DECISION = "decision", "Decision"
        SANCTION = "sanction", "Sanction"
        LETTER = "letter", "Letter"
        REFERRAL = "referral", "Referral"
        NOTE = "note", "Note"
        PARENT_PAGE = "parent_page", "The parent's letter page"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(db_index=True, help_text="When it happened (a concern: when it was received).")
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    # How `hash` was made. New events are keyed (timeline.case_event_record); the default is for rows
    # that carry no algorithm: events recorded, or archived, before the chain was keyed.
    algorithm = models.CharField(max_length=12, choices=Algorithm, default=Algorithm.SHA256)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"]),
            # Only the decisions (reports.statistics.decision_events): a trust's 200,000 of them in an
            # index-only scan, not picked out of millions of events.
            models.Index(fields=["case", "at"], name="caseevent_decided",
                         condition=models.Q(kind="status", data__from="awaiting_decision", data__to="decided")),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d %b %Y %H:%M} {self.summary}"


class CaseAccess(models.Model):
    """Who opened a case's records, when, and where: a restricted case in the app, or any case's
    records through Django's admin."""

    class Via(models.TextChoices):
        APP = "app", "Casebook"
        ADMIN = "admin", "Django admin"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=8, choices=Via, default=Via.APP)
    # What was looked at through the admin, e.g. "Decision 12 (change page)".
    what = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} opened {self.case} at {self.at:%d %b %Y %H:%M}"
