from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.files.uploadedfile import UploadedFile

from incidents.evidence import uploads
from incidents.inputs import DatesInRange
from policies.models import LetterTemplateVersion, Policy, School, TermHoliday
from policies.templating import LETTER_VARIABLES, trial_render_problems, validate_letter_template

LOGO_MAX_MB = 2
LOGO_TYPES = ("image/png", "image/jpeg")


class PolicyImportForm(forms.Form):
    policy = forms.ModelChoiceField(
        queryset=Policy.objects.none(), required=False, empty_label="A new policy",
        help_text="Import as a new version of an existing policy, or start a new one.",
    )
    title = forms.CharField(max_length=200, required=False, help_text="Title of a new policy.")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text="Paste the policy as published: its headings and its bulleted or numbered lists.",
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = Policy.objects.filter(school=school)
        self.helper = FormHelper()
        self.helper.add_input(Submit("import", "Make a draft version"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("policy") and not cleaned.get("title"):
            self.add_error("title", "Give the new policy a title, or choose an existing policy.")
        return cleaned


class LetterTemplateVersionForm(forms.ModelForm):
    """Refuses a subject or body with any template problem, naming the line; nothing broken is saved:
    syntax, unknown variables, references to anything outside the letter, and filters that fail when
    the sample letter is filled in."""

    class Meta:
        model = LetterTemplateVersion
        fields = ["template", "subject", "body"]
        help_texts = {
            "body": "Django template language. Variables you can use: "
            + ", ".join(name for name in LETTER_VARIABLES) + ".",
        }

    def _clean_template_field(self, name: str) -> str:
        value = self.cleaned_data[name]
        problems = validate_letter_template(value)
        if problems:
            raise forms.ValidationError([str(problem) for problem in problems])
        return value

    def clean_subject(self) -> str:
        return self._clean_template_field("subject")

    def clean_body(self) -> str:
        return self._clean_template_field("body")

    def clean(self):
        cleaned = super().clean()
        template = cleaned.get("template") or getattr(self.instance, "template", None)
        if template is not None:
            # What only filling the template in shows, tried with the sample letter before saving.
            for name in ("subject", "body"):
                if name in cleaned:
                    for problem in trial_render_problems(cleaned[name], template.school):
                        self.add_error(name, str(problem))
        return cleaned


class SchoolForm(DatesInRange, forms.ModelForm):
    """The school profile in the admin. The logo is printed on every letter, so it is checked as
    evidence is: its size before it is read, its type by content (PNG or JPEG, agreeing with its name)."""

    class Meta:
        model = School
        fields = ["name", "address", "postcode", "phone", "email", "website", "logo", "head_teacher_name",
                  "chair_of_governors_name", "safeguarding_lead_name", "retention_years",
                  "representation_school_days", "evidence_max_mb", "online_reporting"]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            data = uploads.upload_read(logo, max_mb=LOGO_MAX_MB)
            kind = uploads.identify(data, name=logo.name or "")
            if kind.content_type not in LOGO_TYPES:
                raise forms.ValidationError(f"The logo must be a PNG or JPEG image; this file is “{kind.label}”.")
            logo.seek(0)
        return logo


class TermHolidayForm(DatesInRange, forms.ModelForm):
    class Meta:
        model = TermHoliday
        fields = ["name", "starts_on", "ends_on"]
