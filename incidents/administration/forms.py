"""Forms for the settings and users pages. They check input and say plainly what is wrong; the changes
themselves are made by incidents.administration.services."""

from django import forms

from incidents.inputs import DATE_INPUT, DatesInRange
from incidents.roles import Role
from policies.forms import LOGO_MAX_MB, logo_checked
from policies.models import School

# deploy/nginx.conf accepts request bodies up to 25 MB: a larger limit would only move the refusal there.
EVIDENCE_MAX_MB = 25


class SchoolProfileForm(forms.ModelForm):
    """The profile printed on every letter. The logo is checked as evidence is: its size before it is
    read, its type by content (PNG or JPEG, agreeing with its name)."""

    class Meta:
        model = School
        fields = ["name", "address", "postcode", "phone", "email", "website", "logo", "head_teacher_name",
                  "chair_of_governors_name", "safeguarding_lead_name"]
        widgets = {"address": forms.Textarea(attrs={"rows": 4}),
                   "logo": forms.FileInput(attrs={"accept": "image/png,image/jpeg"})}
        help_texts = {"logo": f"PNG or JPEG, at most {LOGO_MAX_MB} MB. Printed at the top of every letter. "
                              "Leave empty to keep the current one."}

    def clean_address(self) -> str:
        # Browsers end a textarea's lines with CRLF: kept as typed, an unchanged address would look changed.
        return "\n".join(line.rstrip() for line in self.cleaned_data["address"].splitlines())

    def clean_logo(self):
        return logo_checked(self.cleaned_data.get("logo"))


class SchoolRulesForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["nation", "representation_school_days", "retention_years", "evidence_max_mb"]
        labels = {"nation": "Nation (whose bank holidays apply)",
                  "representation_school_days": "Representations period (school days)",
                  "retention_years": "Retention period (years)",
                  "evidence_max_mb": "Largest evidence file (MB)"}

    BOUNDS = {"representation_school_days": (5, 30), "retention_years": (1, 25),
              "evidence_max_mb": (1, EVIDENCE_MAX_MB)}

    def clean(self):
        cleaned = super().clean()
        for name, (low, high) in self.BOUNDS.items():
            value = cleaned.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(name, f"Enter a number from {low} to {high}.")
        return cleaned


class SchoolReportingForm(forms.ModelForm):
    """The switch of the public report form at /report/ (incidents.reporting)."""

    class Meta:
        model = School
        fields = ["online_reporting"]
        labels = {"online_reporting": "Parents and group moderators may report a concern online"}
        help_texts = {"online_reporting": "The form at /report/. Switched off, that page shows only the school's "
                                          "phone number, e-mail and address."}


class TermClosureForm(DatesInRange, forms.Form):
    name = forms.CharField(max_length=100, help_text="For example “Christmas holiday”, “Half term”, “INSET day”.")
    starts_on = forms.DateField(label="First day closed", widget=DATE_INPUT)
    ends_on = forms.DateField(label="Last day closed", widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day is before the first day.")
        return cleaned


ROLE_CHOICES = [(role.value, role.label) for role in Role]


class RolesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple,
                         help_text="One person may hold several roles (a deputy head who leads investigations "
                                   "and is the Safeguarding lead).", **kwargs)


class InviteForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(label="E-mail", help_text="The invitation goes here; it is also how they sign in.")
    roles = RolesField()


class RolesForm(forms.Form):
    roles = RolesField()


class TwoFactorResetForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                             help_text="Why (for example, “phone lost on 3 March, recovery codes with it”). "
                                       "They are e-mailed that it was reset.")
