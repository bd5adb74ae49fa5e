"""Recommendations, the Head Teacher's decisions, the responses (sanctions) they order, and contests.

A decision, once recorded, is never changed: a correction is a new decision that supersedes it.
Each sanction moves through its own small lifecycle; every step is kept as a SanctionStep.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from policies.models import Clause, LetterTemplate, ResponseType

from .cases import Case
from .evidence import Evidence

Purpose = LetterTemplate.Purpose


class Recommendation(models.Model):
    """The investigating lead's proposal to the Head Teacher."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recommendations")
    responses = models.ManyToManyField(ResponseType, related_name="+", verbose_name="recommended responses")
    clauses = models.ManyToManyField(Clause, blank=True, related_name="+", verbose_name="clauses breached")
    facts_found = models.TextField(help_text="What the investigation established. Facts, not opinions.")
    reasons = models.TextField()
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommended_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[responses, clauses])

    class Meta:
        ordering = ["-recommended_at", "-id"]

    def __str__(self) -> str:
        return f"Recommendation on {self.case.reference} by {self.recommended_by}"


class DecisionImmutable(Exception):
    """A recorded decision was about to be changed."""


class Decision(models.Model):
    """The Head Teacher's decision. Immutable once saved; corrected only by a superseding decision."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    no_further_action = models.BooleanField(default=False)
    responses = models.ManyToManyField(ResponseType, blank=True, related_name="+", verbose_name="responses")
    reasons = models.TextField(help_text="In the Head Teacher's own words.")
    seriousness = models.TextField("seriousness of the conduct", blank=True)
    repetition = models.TextField("repetition", blank=True)
    effect = models.TextField("effect on staff and children", blank=True)
    parent_response = models.TextField("the parent's response when spoken to", blank=True)
    earlier_cases = models.TextField("earlier cases", blank=True)
    justification = models.TextField(
        blank=True, help_text="Why a response well above the school's usual one for a first case is proportionate.",
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[responses])

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"Decision on {self.case.reference} of {self.decided_at:%d %b %Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise DecisionImmutable("A recorded decision cannot be changed; record a new decision that supersedes it.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DecisionImmutable("A recorded decision is never deleted.")

    @property
    def letter_purpose(self) -> str:
        """The outcome letter this decision needs itself (sanctions ask for their own)."""
        return Purpose.OUTCOME_NFA if self.no_further_action else ""

    @property
    def letter_purpose_label(self) -> str:
        return Purpose(self.letter_purpose).label if self.letter_purpose else ""

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "superseded_by")


class Sanction(models.Model):
    """One response ordered by a decision, with its own lifecycle (see decisions.sanctions.SANCTION_MOVES)."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        MEETING = "meeting", "Meeting"
        REFERRAL = "referral", "Referral to the authorities"
        LEGAL = "legal", "Legal advice"
        MODERATORS = "moderators", "Request to group moderators"
        BAN = "ban", "Site ban"

    class State(models.TextChoices):
        PENDING = "pending", "To do"
        ISSUED = "issued", "Warning issued"
        INVITED = "invited", "Meeting invited"
        HELD = "held", "Meeting held"
        DECLINED = "declined", "Meeting declined"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"
        REFERRED = "referred", "Referred"
        OUTCOME_RECORDED = "outcome_recorded", "Outcome recorded"
        ADVICE_SOUGHT = "advice_sought", "Advice sought"
        REQUESTED = "requested", "Requested"
        RESULT_RECORDED = "result_recorded", "Result recorded"
        PROVISIONAL = "provisional", "Provisional ban: awaiting representations"
        REPRESENTATIONS = "representations", "Representations received: awaiting review"
        CONFIRMED = "confirmed", "Ban confirmed"
        VARIED = "varied", "Ban varied"
        LIFTED = "lifted", "Ban lifted"
        WITHDRAWN = "withdrawn", "Withdrawn (decision superseded)"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sanctions")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="sanctions")
    response_type = models.ForeignKey(ResponseType, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind)
    state = models.CharField(max_length=20, choices=State, default=State.PENDING, db_index=True)
    # Site ban terms (the latest in force; every change is also kept as a step).
    reasons = models.TextField(blank=True)
    conditions = models.TextField(blank=True, help_text="Arrangements for the child: drop-off, collection, meetings.")
    starts_on = models.DateField(null=True, blank=True)
    representations_due = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.response_type} ({self.get_state_display()})"


class SanctionStep(models.Model):
    """One move of a sanction: when, who acted, what was recorded, and which letter it needs."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="steps")
    from_state = models.CharField(max_length=20, choices=Sanction.State)
    to_state = models.CharField(max_length=20, choices=Sanction.State)
    on = models.DateField(help_text="When it happened.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    details = models.JSONField(default=dict, blank=True)
    # Legal advice: seen by the Head Teacher only, never on the timeline.
    head_only_note = models.TextField(blank=True)
    letter_purpose = models.CharField(max_length=24, choices=Purpose, blank=True)
    letter_sent_on = models.DateField(null=True, blank=True, help_text="When the letter this step needs went out.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_state_display()} → {self.get_to_state_display()} on {self.on:%d %b %Y}"

    DETAIL_LABELS = {
        "meeting_on": "Meeting on", "attendees": "Attended", "notes": "Notes", "organisation": "Organisation",
        "reference": "Reference", "outcome": "Outcome", "adviser": "Adviser", "group": "Group", "result": "Result",
        "starts_on": "Starts", "representations_due": "Representations due", "ends_on": "Ends",
        "review_on": "Next review", "reviewed_by": "Reviewed by", "received_on": "Received", "reasons": "Reasons",
        "reason": "Reason", "meeting_time": "At", "meeting_place": "Place",
    }

    @property
    def letter_needed(self) -> bool:
        return bool(self.letter_purpose) and self.letter_sent_on is None

    @property
    def shown_details(self) -> list[tuple[str, str]]:
        """What the step recorded, labelled for people (the ban's conditions are shown on the ban)."""
        return [(label, self.details[key]) for key, label in self.DETAIL_LABELS.items() if key in self.details]


class Representation(models.Model):
    """The parent's written answer to a provisional ban."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="representations")
    received_on = models.DateField()
    text = models.TextField(blank=True)
    files = models.ManyToManyField(Evidence, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Representations received {self.received_on:%d %b %Y}"


class Complaint(models.Model):
    """The parent contesting the decision through the complaints procedure, and the governors' panel."""

    class State(models.TextChoices):
        RECEIVED = "received", "Complaint received"
        REFERRED = "referred", "Referred to a governors' panel"
        DECIDED = "decided", "Panel outcome recorded"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Complaint upheld"
        PARTLY = "partly", "Complaint partly upheld"
        NOT_UPHELD = "not_upheld", "Complaint not upheld"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="complaints")
    state = models.CharField(max_length=10, choices=State, default=State.RECEIVED)
    received_on = models.DateField()
    summary = models.TextField("what the parent contests")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    panel = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="complaint_panels")
    referred_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome, blank=True)
    outcome_reasons = models.TextField(blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[panel])

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"Complaint of {self.received_on:%d %b %Y} ({self.get_state_display()})"


class ReviewParticipation(models.Model):
    """The chair of governors' own record that they took part in a review of a ban (one step of it)."""

    step = models.ForeignKey(SanctionStep, on_delete=models.PROTECT, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["step", "user"], name="review_participation_once")]

    def __str__(self) -> str:
        return f"{self.user} took part in the review of {self.step.on:%d %b %Y}"


class PanelConfirmation(models.Model):
    """One panel member's recorded outcome of a complaint, in the app. The panel has decided when every
    member's latest record gives the same outcome and reasons. Rows are never changed or removed: a
    member who changes their mind records again."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="panel_records")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=Complaint.Outcome)
    reasons = models.TextField()
    on = models.DateField(help_text="When the panel decided, as this member records it.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_outcome_display()}"
