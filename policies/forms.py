import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.files.uploadedfile import UploadedFile

from incidents.evidence import uploads
from incidents.inputs import DATE_INPUT, DatesInRange
from policies.models import Clause, LetterTemplateVersion, Policy, School, TermHoliday
from policies.paragraphs import paragraphs_to_html
from policies.templating import LETTER_VARIABLES, trial_render_problems, validate_letter_template

LOGO_MAX_MB = 2
LOGO_TYPES = ("image/png", "image/jpeg")


def logo_checked(logo):
    """A newly uploaded logo, checked as evidence is (it is printed on every letter): its size before it
    is read, its name, its type by content (PNG or JPEG, agreeing with its name). Anything else (the
    logo already kept, or none) is returned as it is."""
    if isinstance(logo, UploadedFile):
        data = uploads.upload_read(logo, max_mb=LOGO_MAX_MB)
        uploads.check_file_name(logo.name or "")
        kind = uploads.identify(data, name=logo.name or "")
        if kind.content_type not in LOGO_TYPES:
            raise forms.ValidationError(f"The logo must be a PNG or JPEG image; this file is “{kind.label}”.")
        logo.seek(0)
    return logo


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
        return logo_checked(self.cleaned_data.get("logo"))


class TermHolidayForm(DatesInRange, forms.ModelForm):
    class Meta:
        model = TermHoliday
        fields = ["name", "starts_on", "ends_on"]


class ClauseForm(forms.ModelForm):
    """One clause of a draft: its number, the part of the policy it is in, and its wording."""

    class Meta:
        model = Clause
        fields = ["number", "kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
        labels = {"kind": "Part of the policy"}


class PolicyAdoptForm(DatesInRange, forms.Form):
    """Adopting is asked twice: the date it takes effect, and a tick that the differences were read.
    The date is at most a year ahead: a policy is adopted for the coming school year, not a later one."""

    adopted_on = forms.DateField(label="In force from", widget=DATE_INPUT)
    confirm = forms.BooleanField(
        required=False,
        label="I have read the differences, and I adopt this version as the school's policy from that date.",
    )

    def clean_adopted_on(self) -> datetime.date:
        day = self.cleaned_data["adopted_on"]
        if day > datetime.date.today() + datetime.timedelta(days=366):
            raise forms.ValidationError("Give a date within the next year.")
        return day

    def clean_confirm(self) -> bool:
        if not self.cleaned_data.get("confirm"):
            raise forms.ValidationError("Tick the box to confirm: nothing has been adopted.")
        return True


class LetterTemplateEditForm(forms.Form):
    """A letter template as its subject and paragraphs (policies.paragraphs), checked by the sealed
    engine line by line. `problems` holds what it refused: (where, line, message, the line as written)."""

    subject = forms.CharField(max_length=200)
    paragraphs = forms.CharField(
        label="The letter",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true", "class": "font-monospace"}),
        help_text="Paragraphs separated by a blank line. A new line is a line break; a line starting “- ” is a "
        "bullet point; **words** are bold. Put in the letter's details from the list of placeholders.",
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.problems: list[tuple[str, int, str, str]] = []

    def clean(self):
        cleaned = super().clean()
        if "subject" not in cleaned or "paragraphs" not in cleaned:
            return cleaned
        body = paragraphs_to_html(cleaned["paragraphs"])
        lines = cleaned["paragraphs"].replace("\r\n", "\n").split("\n")
        for where, source, shown in (("Subject", cleaned["subject"], [cleaned["subject"]]), ("Line", body, lines)):
            problems = validate_letter_template(source) or trial_render_problems(source, self.school)
            for problem in problems:
                written = shown[problem.line - 1] if 0 < problem.line <= len(shown) else ""
                self.problems.append((where, problem.line if where == "Line" else 0, problem.message, written))
        if self.problems:
            raise forms.ValidationError(
                f"The letter was not saved: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}, "
                "shown below at the line.")
        cleaned["body"] = body
        return cleaned
