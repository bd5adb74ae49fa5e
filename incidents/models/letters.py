"""Letters to parents and others: drafted from a template version, approved, issued, kept as issued."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from policies.models import LetterTemplate, LetterTemplateVersion

from .cases import Case
from .people import Parent


def letter_pdf_path(instance: "Letter", filename: str) -> str:
    # One name per letter version, so a re-run of the render overwrites rather than adds a file.
    return f"letters/{instance.case_id}/{instance.pk}-v{instance.version}.pdf"


class Letter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        ISSUED = "issued", "Issued"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"

    class RenderState(models.TextChoices):
        NONE = "none", "Not prepared"
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class IssueMethod(models.TextChoices):
        EMAIL = "email", "E-mailed"
        POST = "post", "Printed and posted"
        HAND = "hand", "Printed and handed over"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    template_version = models.ForeignKey(LetterTemplateVersion, on_delete=models.PROTECT, related_name="letters")
    purpose = models.CharField(max_length=24, choices=LetterTemplate.Purpose, db_index=True)
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version",
        help_text="The issued letter this one replaces.",
    )
    # The step of the case that asked for this letter (a decision, a sanction, a review), if any.
    step_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    step_id = models.PositiveBigIntegerField(null=True, blank=True)
    step = GenericForeignKey("step_type", "step_id")
    step_label = models.CharField(max_length=200, blank=True)
    # What the PDF is called, without the version: "HIL-2026-0004-provisional-ban" (a second letter of
    # the same kind on the case gets "-2"). Set when the first version is drafted; later versions keep it.
    file_stem = models.CharField(max_length=120, blank=True)

    parent = models.ForeignKey(
        Parent, null=True, blank=True, on_delete=models.PROTECT, related_name="letters_about",
        help_text="The parent or carer whose conduct the letter is about.",
    )
    recipient_parent = models.ForeignKey(
        Parent, null=True, blank=True, on_delete=models.PROTECT, related_name="letters_received",
    )
    # The recipient as written on the letter: copied, so a later change of address leaves it as sent.
    recipient_name = models.CharField(max_length=200)
    recipient_salutation = models.CharField(max_length=200, blank=True)
    recipient_address = models.TextField(blank=True)
    recipient_postcode = models.CharField(max_length=12, blank=True)
    recipient_email = models.EmailField(blank=True)
    # The parts the author writes for this one letter (conduct_summary, free_text, meeting_at…), as text.
    parts = models.JSONField(default=dict, blank=True)
    # The parts its template prints that are still empty (their labels), worked out at each render:
    # a letter with any cannot have its PDF prepared, be approved or be issued.
    missing_parts = models.JSONField(default=list, blank=True)

    subject = models.CharField(max_length=300, blank=True)
    html = models.TextField(blank=True, help_text="The letter's body as rendered from the template.")
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    render_state = models.CharField(max_length=8, choices=RenderState, default=RenderState.NONE)
    render_error = models.CharField(max_length=500, blank=True)
    pdf = models.FileField(upload_to=letter_pdf_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    issue_method = models.CharField(max_length=8, choices=IssueMethod, blank=True)
    issued_on = models.DateField(null=True, blank=True, help_text="The date it was sent or handed over.")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=500, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    acknowledged_note = models.CharField(max_length=300, blank=True)

    # Once issued, these are the record of what went out and are never changed.
    FROZEN_FIELDS = (
        "case_id", "template_version_id", "purpose", "version", "parent_id", "recipient_parent_id",
        "recipient_name", "recipient_salutation", "recipient_address", "recipient_postcode", "recipient_email",
        "parts", "subject", "html", "pdf", "sha256", "issue_method", "issued_on", "issued_by_id", "issued_at",
        "approved_by_id", "approved_at",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["previous"], name="letter_one_next_version",
                                    condition=models.Q(previous__isnull=False)),
        ]
        indexes = [models.Index(fields=["step_type", "step_id"], name="letter_step")]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.get_purpose_display()} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk:
            stored = Letter.objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_frozen:
                changed = [name for name in self.FROZEN_FIELDS if getattr(stored, name) != getattr(self, name)]
                if changed:
                    raise ValidationError("An issued letter cannot be changed: prepare a new version instead.")
        super().save(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.ISSUED, self.Status.ACKNOWLEDGED)

    @property
    def pdf_filename(self) -> str:
        return f"{self.file_stem or self.case.reference}-v{self.version}.pdf"
