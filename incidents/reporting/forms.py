"""The public report form (plain words, for parents and group moderators) and the office's three
ways of dealing with a concern reported online."""

from typing import cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils import timezone

from incidents.access.visibility import cases_visible_to
from incidents.cases.forms import ParentSearchForm
from incidents.inputs import DATE_INPUT, DatesInRange, MultipleFileField
from incidents.models import Case, Concern, Parent, User
from incidents.reporting.services import MAX_FILES
from incidents.submissions import OncePerSubmissionForm
from policies.models import School

# Where it happened, in a parent's words (a subset of Concern.Channel).
PLACES = [
    (Concern.Channel.WHATSAPP, "In a WhatsApp group or another parents' group chat"),
    (Concern.Channel.CLASS_LIST, "On a class list or e-mail list"),
    (Concern.Channel.EMAIL, "In an e-mail"),
    (Concern.Channel.IN_PERSON, "In person, for example at the school gate"),
    (Concern.Channel.SOCIAL_MEDIA, "On other social media"),
    (Concern.Channel.OTHER, "Somewhere else"),
]

HONEYPOT = "leave_this_empty"


class ReportForm(DatesInRange, forms.Form):
    reporter_is = forms.ChoiceField(label="Who are you?", choices=Concern.Reporter.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label="What happened?", max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Tell us in your own words. Say what was said or done.",
    )
    about = forms.CharField(
        label="Who is it about? (optional)", max_length=200, required=False,
        help_text="The name of the parent or carer, if you know it.",
    )
    channel = forms.ChoiceField(label="Where did it happen?", choices=PLACES, widget=forms.RadioSelect)
    where_detail = forms.CharField(
        label="Which group, or where? (optional)", max_length=200, required=False,
        help_text="For example: Year 3 parents group.",
    )
    happened_on = forms.DateField(
        label="When did it happen?", widget=DATE_INPUT,
        help_text="If you are not sure of the day, give your best guess.",
    )
    screenshots = MultipleFileField(
        label="Screenshots or a chat export (optional)", required=False,
        help_text=f"Up to {MAX_FILES} files: photos, screenshots, PDFs, or a WhatsApp chat export (.txt or .zip).",
    )
    name = forms.CharField(label="Your name (optional)", max_length=120, required=False)
    contact = forms.CharField(
        label="Your phone number or e-mail (optional)", max_length=200, required=False,
        help_text="So we can ask you more if we need to. We will not share it.",
    )
    anonymous_to_parent = forms.BooleanField(
        label="I want to stay anonymous to the parent concerned", required=False,
        help_text="We will not tell them who told us.",
    )
    # Hidden from people (it sits in a d-none block); a program that fills every box fills it.
    leave_this_empty = forms.CharField(label="Leave this box empty", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["contact"].widget.attrs.update({"autocomplete": "on"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*[name for name in self.fields if name != HONEYPOT])

    def is_spam(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())

    def clean_happened_on(self):
        day = self.cleaned_data["happened_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError("The date must be today or in the past.")
        return day

    def clean_screenshots(self):
        files = self.cleaned_data["screenshots"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Send at most {MAX_FILES} files.")
        return files


class FileForm(ParentSearchForm, OncePerSubmissionForm):
    """Put a concern reported online on a case: a new one, or the open case whose reference is given.
    The parents are ticked from a list, or found by name in a school with too many to list."""

    parents = forms.ModelMultipleChoiceField(
        label="Parent or parents concerned", queryset=Parent.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="Tick each parent concerned.",
    )
    case_reference = forms.CharField(
        label="Add it to an open case (optional)", max_length=20, required=False,
        help_text="Give the case's reference, for example HIL-2026-0042. Leave it empty to open a new case.",
    )
    safeguarding = forms.BooleanField(
        label="This is a safeguarding concern", required=False,
        help_text="The Designated Safeguarding Lead is told at once.",
    )

    def __init__(self, *args, school: School, user: User, search_parents: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        cast(forms.ModelMultipleChoiceField, self.fields["parents"]).queryset = Parent.objects.filter(school=school)
        self.offer_parent_search(school=school, search=search_parents,
                                 help_text="Type part of a first or last name, then tick each parent concerned.")

    def clean_case_reference(self) -> Case | None:
        reference = self.cleaned_data["case_reference"].strip().upper()
        if not reference:
            return None
        case = cases_visible_to(self.user).filter(reference=reference).exclude(status=Case.Status.CLOSED).first()
        if case is None:
            raise forms.ValidationError("There is no open case with that reference that you may see.")
        return case


class DismissForm(OncePerSubmissionForm):
    prefix = "dismiss"
    reason = forms.CharField(
        label="Why is this not a concern?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on the record, for example: spam, sent by mistake, a matter for another school.",
    )
