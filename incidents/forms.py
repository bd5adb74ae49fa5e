"""Forms: input and its plain-language checks. The rules of the workflow live in services."""

import secrets

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from incidents.models import Case, Concern, Contact, Evidence, Parent, ParentGroup, User
from incidents.roles import Role
from policies.models import Clause

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OncePerSubmissionForm(forms.Form):
    """Carries a random token so a double-clicked or resent form is handled once."""

    submission_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", secrets.token_urlsafe(24))
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_submission_token(self) -> str:
        return self.cleaned_data.get("submission_token") or secrets.token_urlsafe(24)


class ConcernForm(OncePerSubmissionForm):
    received_at = forms.DateTimeField(label="When it was received", widget=DATETIME_INPUT)
    channel = forms.ChoiceField(label="How it arrived", choices=Concern.Channel.choices)
    raised_by_name = forms.CharField(label="Who raised it", max_length=120, required=False)
    raised_by_contact = forms.CharField(label="Their contact details", max_length=200, required=False)
    raised_anonymously = forms.BooleanField(
        label="They asked to remain anonymous", required=False,
        help_text="Their name is never shown to the parent concerned or in any letter to them.",
    )
    group = forms.ModelChoiceField(
        label="Which group or list", queryset=ParentGroup.objects.none(), required=False,
        empty_label="Not about a group",
    )
    parents = forms.ModelMultipleChoiceField(
        label="Parent or parents concerned", queryset=Parent.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Hold Ctrl (or ⌘) to choose more than one.",
    )
    description = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The facts as reported: what was said or done, where and when.",
    )
    safeguarding = forms.BooleanField(
        label="This is a safeguarding concern", required=False,
        help_text="The Designated Safeguarding Lead is told at once.",
    )
    link_to = forms.ChoiceField(label="Open case", required=False, widget=forms.RadioSelect)

    def __init__(self, *args, school, open_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ParentGroup.objects.filter(school=school)
        self.fields["parents"].queryset = Parent.objects.filter(school=school)
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.open_cases = list(open_cases)
        if self.open_cases:
            self.fields["link_to"].required = True
            self.fields["link_to"].label = "This parent already has an open case. Add the concern to it?"
            self.fields["link_to"].choices = [("new", "No: open a new case")] + [
                (case.reference, f"Yes: add it to {case.reference} — {case.title}") for case in self.open_cases
            ]
        else:
            del self.fields["link_to"]

    def clean(self):
        data = super().clean()
        if data.get("raised_anonymously") and not data.get("raised_by_name"):
            self.add_error("raised_by_name", "Record who raised it, even when they asked to remain anonymous.")
        received = data.get("received_at")
        if received and received > timezone.now() + timezone.timedelta(minutes=5):
            self.add_error("received_at", "This is in the future.")
        return data

    def chosen_case(self) -> Case | None:
        choice = self.cleaned_data.get("link_to")
        return next((c for c in self.open_cases if c.reference == choice), None)


class CaseForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Case
        fields = ["title", "summary", "severity", "lead", "assignees", "incident_date", "clauses", "safeguarding"]
        widgets = {
            "incident_date": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 5}),
            "clauses": forms.CheckboxSelectMultiple,
            "assignees": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.instance
        self.fields["lead"].queryset = User.objects.filter(groups__name=Role.LEAD.value, is_active=True)
        self.fields["assignees"].queryset = User.objects.filter(
            groups__name__in=[Role.OFFICE.value, Role.LEAD.value, Role.DSL.value], is_active=True
        ).distinct()
        self.fields["clauses"].queryset = Clause.objects.filter(version=case.policy_version_id)
        self.fields["clauses"].help_text = (
            f"From {case.policy_version}, in force on the incident date." if case.policy_version_id
            else "No adopted policy was in force on the incident date."
        )
        if not self.is_bound:
            self.initial["version"] = case.version
        self.helper = FormHelper()
        self.helper.form_tag = False


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Case.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class RestrictForm(forms.Form):
    restricted = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=500)


class EvidenceForm(OncePerSubmissionForm):
    file = forms.FileField(help_text="PNG, JPEG, HEIC, PDF, text, e-mail (.eml), Word (.docx) or an exported chat.")
    description = forms.CharField(max_length=300, required=False)
    provided_by = forms.CharField(label="Who provided it", max_length=120)
    provided_at = forms.DateTimeField(label="When the school received it", widget=DATETIME_INPUT)
    obtained = forms.ChoiceField(label="How it was obtained", choices=Evidence.Obtained.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provided_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class StatementForm(OncePerSubmissionForm):
    given_by = forms.CharField(label="Statement by", max_length=120)
    given_on = forms.DateField(label="Date given", widget=DATE_INPUT, initial=timezone.localdate)
    text = forms.CharField(label="Statement, in their words", widget=forms.Textarea(attrs={"rows": 8}))


class ContactForm(OncePerSubmissionForm):
    happened_at = forms.DateTimeField(label="When", widget=DATETIME_INPUT)
    with_whom = forms.CharField(label="With whom", max_length=200)
    parent = forms.ModelChoiceField(
        label="If with a parent concerned, which", queryset=Parent.objects.none(), required=False
    )
    method = forms.ChoiceField(label="How", choices=Contact.Method.choices)
    summary = forms.CharField(label="Factual summary", widget=forms.Textarea(attrs={"rows": 5}))
    agreed_actions = forms.CharField(label="Agreed actions", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = case.parents.all()
        self.fields["happened_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class SubjectAccessRequestForm(forms.Form):
    parent = forms.ModelChoiceField(label="Whose data", queryset=Parent.objects.none())
    received_on = forms.DateField(label="Received on", widget=DATE_INPUT, initial=timezone.localdate)
    how_received = forms.CharField(label="How it was received", max_length=200, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Parent.objects.filter(school=school)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ExportForm(forms.Form):
    redact_others = forms.BooleanField(
        label="Withhold the names of other people", required=False, initial=True,
        help_text="Other parents, their children, and people who raised concerns or gave statements.",
    )


class NotificationModeForm(forms.Form):
    notification_mode = forms.ChoiceField(
        label="How would you like Casebook's e-mails?", choices=User.NotificationMode.choices,
        widget=forms.RadioSelect,
        help_text="Safeguarding alerts always come at once. Reminders of deadlines follow your choice.",
    )
