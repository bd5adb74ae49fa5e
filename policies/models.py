"""The school's own configuration: profile, code of conduct, ladder of responses, letter templates.

Every school-owned row is reachable from `School`, so a group of schools can be added later.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords


class Trust(models.Model):
    """A multi-academy trust or local authority: several schools of this installation. Its safeguarding
    leads work as Safeguarding lead in each of its schools, its leaders read anonymised statistics across
    them (incidents.models.TrustMembership)."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Nation(models.TextChoices):
        # Values are the `holidays` package's subdivision codes for the United Kingdom: the bank
        # holidays of England and Wales are the same, so one choice covers both.
        ENGLAND_AND_WALES = "ENG", "England and Wales"
        SCOTLAND = "SCT", "Scotland"
        NORTHERN_IRELAND = "NIR", "Northern Ireland"

    name = models.CharField(max_length=200)
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.SET_NULL, related_name="schools",
        help_text="The trust or local authority the school belongs to, if any (at most one).",
    )
    # Begins every case reference (HIL-2026-0042). Unique across the installation, so references are too,
    # and a case's address (/cases/HIL-2026-0042/) never names two cases.
    code = models.CharField(
        "short code", max_length=6, unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{1,5}$", "Two to six capital letters or digits, starting with "
                                   "a letter.")],
        help_text="Two to six capital letters or digits, starting with a letter: it begins every case "
                  "reference (HIL-2026-0042). It cannot change once the school has cases.",
    )
    nation = models.CharField(
        max_length=3, choices=Nation, default=Nation.ENGLAND_AND_WALES,
        help_text="Whose bank holidays are skipped when deadlines are counted in school days.",
    )
    address = models.TextField(help_text="Postal address, one line per line.")
    postcode = models.CharField(max_length=12, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField("office e-mail", blank=True)
    website = models.CharField(max_length=200, blank=True)
    logo = models.FileField(upload_to="school/", blank=True)
    head_teacher_name = models.CharField(max_length=120)
    chair_of_governors_name = models.CharField(max_length=120, blank=True)
    safeguarding_lead_name = models.CharField("Designated Safeguarding Lead", max_length=120, blank=True)
    retention_years = models.PositiveSmallIntegerField(
        default=6, help_text="Years a closed case is kept before it is offered for disposal."
    )
    representation_school_days = models.PositiveSmallIntegerField(
        default=10, help_text="Default period for written representations, in school days."
    )
    evidence_max_mb = models.PositiveSmallIntegerField(default=20, help_text="Largest evidence file, in MB.")
    online_reporting = models.BooleanField(
        "parents may report a concern online", default=True,
        help_text="The form at /report/. Switched off, the page shows the school's contact details instead.",
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.name


class TermHoliday(models.Model):
    """Days the school is closed (holidays, INSET days): not counted as school days."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d %b %Y} – {self.ends_on:%d %b %Y})"


class Policy(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="policies")
    title = models.CharField(max_length=200)

    class Meta:
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ADOPTED = "adopted", "Adopted"
        SUPERSEDED = "superseded", "Superseded"

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    applies_to = models.CharField(max_length=200, default="Parents and carers")
    adopted_on = models.DateField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    superseded_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique")]

    def __str__(self) -> str:
        return f"{self.policy.title} v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Clause(models.Model):
    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline for group members"
        EXPECTATION = "expectation", "Expectation of all parents and carers"
        INAPPROPRIATE = "inappropriate", "Inappropriate activity"

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="clauses")
    number = models.CharField(max_length=12)
    kind = models.CharField(max_length=16, choices=Kind)
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:80]}"


class ResponseType(models.Model):
    """One rung of the school's ladder of responses, in the school's own words."""

    class Code(models.TextChoices):
        NO_FURTHER_ACTION = "nfa", "No further action"
        MODERATOR_REQUEST = "moderator_request", "Request to group moderators"
        WARNING = "warning", "Cautionary notice / warning letter"
        MEETING = "meeting", "Invitation to meet"
        AUTHORITIES = "authorities", "Referral to the authorities"
        LEGAL_ADVICE = "legal_advice", "Referral for legal advice"
        PROVISIONAL_BAN = "provisional_ban", "Provisional ban from the site"
        CONFIRMED_BAN = "confirmed_ban", "Confirmed ban"
        BAN_LIFTED = "ban_lifted", "Ban lifted"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="responses")
    code = models.CharField(max_length=24, choices=Code)
    name = models.CharField(max_length=120, help_text="The school's own name for this response.")
    level = models.PositiveSmallIntegerField(help_text="Rung on the ladder: higher is more serious.")
    description = models.TextField(blank=True)
    needs_letter = models.BooleanField(default=False)
    # With its app label, so that django-stubs finds the model (defined below).
    letter_templates = models.ManyToManyField("policies.LetterTemplate", blank=True, related_name="responses")
    has_duration = models.BooleanField(default=False, help_text="Has a length and a review date (site ban).")
    is_referral = models.BooleanField(default=False, help_text="A referral outside the school.")
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="response_code_unique")]

    def __str__(self) -> str:
        return self.name


class LetterTemplate(models.Model):
    class Purpose(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement to the person who raised the concern"
        WARNING = "warning", "Cautionary notice / warning letter"
        MEETING_INVITATION = "meeting_invitation", "Meeting invitation"
        PROVISIONAL_BAN = "provisional_ban", "Provisional ban inviting representations"
        BAN_CONFIRMED = "ban_confirmed", "Ban confirmed"
        BAN_VARIED = "ban_varied", "Ban varied"
        BAN_LIFTED = "ban_lifted", "Ban lifted"
        OUTCOME_NFA = "outcome_nfa", "Outcome: no further action"
        MODERATOR_REQUEST = "moderator_request", "Request to group moderators"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="letter_templates")
    purpose = models.CharField(max_length=24, choices=Purpose)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["school", "purpose"]
        constraints = [models.UniqueConstraint(fields=["school", "purpose"], name="letter_purpose_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def current_version(self) -> "LetterTemplateVersion | None":
        return self.versions.order_by("-number").first()


class LetterTemplateVersion(models.Model):
    """A numbered version of a template. A version used by an issued letter is never edited."""

    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Django template language, with the documented variables only.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="template_version_unique")]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"
