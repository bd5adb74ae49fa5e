"""Forms for preparing, issuing and filtering letters. The rules live in the letter services."""

import datetime
from typing import cast

import django_filters
from django import forms

from incidents.cases.filters import on_or_after, on_or_before
from incidents.inputs import DATE_INPUT, DATETIME_INPUT, DatesInRangeForm
from incidents.letters.context import GROUP_MEMBER_CHOICES, Part, parts_used_by
from incidents.models import Case, Letter, Parent
from incidents.submissions import OncePerSubmissionForm
from policies.models import LetterTemplate

OTHER = "other"


def _part_field(part: Part) -> forms.Field:
    if part.kind == "text":
        return forms.CharField(label=part.label, help_text=part.help, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    if part.kind == "date":
        return forms.DateField(label=part.label, help_text=part.help, required=False, widget=DATE_INPUT)
    if part.kind == "datetime":
        return forms.DateTimeField(label=part.label, help_text=part.help, required=False, widget=DATETIME_INPUT)
    if part.kind == "choice":
        return forms.ChoiceField(label=part.label, help_text=part.help, choices=GROUP_MEMBER_CHOICES, required=False,
                                 initial="withhold", widget=forms.RadioSelect)
    return forms.CharField(label=part.label, help_text=part.help, required=False, max_length=300)


def _shown(part: Part, value: str) -> str:
    """A recorded value as people read it: dates in words."""
    try:
        if part.kind == "date":
            return f"{datetime.date.fromisoformat(value):%-d %B %Y}"
        if part.kind == "datetime":
            return f"{datetime.datetime.fromisoformat(value):%-d %B %Y, %H:%M}"
    except ValueError:
        pass
    return value


class LetterForm(OncePerSubmissionForm):
    """Template, recipient and the parts the author writes. Typed text is data, never template code."""

    # Chosen on the page above the form (a GET), so the parts shown always match the template.
    purpose = forms.ChoiceField(label="Letter", widget=forms.HiddenInput)
    recipient = forms.ChoiceField(label="To", widget=forms.RadioSelect)
    other_name = forms.CharField(label="Name", max_length=200, required=False)
    other_salutation = forms.CharField(label="Greeting", max_length=200, required=False,
                                       help_text="As in “Dear …”: Ms Jones.")
    other_address = forms.CharField(label="Postal address", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    other_postcode = forms.CharField(label="Postcode", max_length=12, required=False)
    other_email = forms.EmailField(label="E-mail address", required=False)

    def __init__(self, *args, case: Case, purpose: str | None = None, fixed_purpose: bool = False,
                 recorded: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Parts the letter's step recorded: shown, never asked for again.
        self.recorded = recorded or {}
        self.case = case
        templates = LetterTemplate.objects.filter(school=case.school, versions__isnull=False).distinct()
        cast(forms.ChoiceField, self.fields["purpose"]).choices = [(t.purpose, t.name) for t in templates]
        if templates and purpose not in {t.purpose for t in templates}:
            purpose = templates[0].purpose
        if purpose:
            self.initial["purpose"] = purpose
        if fixed_purpose:
            self.fields["purpose"].disabled = True
        self.parents = list(case.parents.all())
        cast(forms.ChoiceField, self.fields["recipient"]).choices = [
            (str(p.pk), f"{p.full_name} (parent)") for p in self.parents] + [(OTHER, "Someone else")]
        if self.parents:
            self.initial.setdefault("recipient", str(self.parents[0].pk))
        chosen = self.data.get("purpose") or purpose
        template = next((t for t in templates if t.purpose == chosen), None)
        version = template.current_version if template else None
        body = version.body if version else ""
        self.part_names = []
        self.letter_name = template.name if template else ""
        self.recorded_parts = [(part.label, _shown(part, self.recorded[part.name])) for part in parts_used_by(body)
                               if part.name in self.recorded]
        for part in parts_used_by(body):
            if part.name in self.recorded:
                continue
            self.fields[f"part_{part.name}"] = _part_field(part)
            self.part_names.append(part.name)

    def clean(self):
        data = super().clean()
        if data.get("recipient") == OTHER and not (data.get("other_name") or "").strip():
            self.add_error("other_name", "Give the name of the person the letter is to.")
        return data

    def recipient_parent(self) -> Parent | None:
        choice = self.cleaned_data["recipient"]
        return next((p for p in self.parents if str(p.pk) == choice), None)

    def recipient_details(self) -> dict:
        data = self.cleaned_data
        return {"full_name": data["other_name"], "salutation": data["other_salutation"],
                "address": data["other_address"], "postcode": data["other_postcode"], "email": data["other_email"]}

    def parts(self) -> dict[str, str]:
        values = {}
        for name in self.part_names:
            value = self.cleaned_data.get(f"part_{name}")
            # Dates and times (a datetime is a date) go in as ISO text.
            values[name] = value.isoformat() if isinstance(value, datetime.date) else (value or "")
        return values


def letter_form_initial(letter: Letter) -> dict:
    initial = {f"part_{name}": value for name, value in letter.parts.items()}
    initial["purpose"] = letter.purpose
    if letter.recipient_parent_id:
        initial["recipient"] = str(letter.recipient_parent_id)
    else:
        initial.update(recipient=OTHER, other_name=letter.recipient_name,
                       other_salutation=letter.recipient_salutation, other_address=letter.recipient_address,
                       other_postcode=letter.recipient_postcode, other_email=letter.recipient_email)
    return initial


class IssueForm(OncePerSubmissionForm):
    method = forms.ChoiceField(label="How it goes out", choices=Letter.IssueMethod.choices, widget=forms.RadioSelect)
    issued_on = forms.DateField(label="Date sent or handed over", widget=DATE_INPUT, required=False,
                                help_text="Today if left empty.")


class LetterFilter(django_filters.FilterSet):
    purpose = django_filters.ChoiceFilter(label="Type", choices=LetterTemplate.Purpose.choices)
    status = django_filters.ChoiceFilter(choices=Letter.Status.choices)
    from_date = django_filters.DateFilter(label="From", field_name="created_at", widget=DATE_INPUT,
                                          method=on_or_after)
    to_date = django_filters.DateFilter(label="To", field_name="created_at", widget=DATE_INPUT,
                                        method=on_or_before)

    class Meta:
        model = Letter
        fields = ["purpose", "status"]
        form = DatesInRangeForm
