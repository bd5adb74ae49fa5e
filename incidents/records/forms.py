"""Forms for recording a subject access request and choosing what an export withholds."""

from typing import cast

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from incidents.cases.forms import ParentSearchForm
from incidents.inputs import DATE_INPUT
from incidents.models import Parent
from policies.models import School


class SubjectAccessRequestForm(ParentSearchForm):
    parent_field = "parent"
    parent = forms.ModelChoiceField(label="Whose data", queryset=Parent.objects.none())
    received_on = forms.DateField(label="Received on", widget=DATE_INPUT, initial=timezone.localdate)
    how_received = forms.CharField(label="How it was received", max_length=200, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, school: School, search_parents: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = Parent.objects.filter(school=school)
        self.offer_parent_search(school=school, search=search_parents,
                                 help_text="Type part of their first or last name, then choose them.")
        self.helper = FormHelper()
        self.helper.form_tag = False


class ExportForm(forms.Form):
    """Other people's data is withheld unless the Head Teacher chooses, with a reason, to disclose it."""

    disclose_others = forms.BooleanField(
        label="Disclose other people's personal data", required=False, initial=False,
        help_text="Raisers, witnesses, other parents and chat members, staff other than senior leaders, and the "
                  "evidence files others gave the school (screenshots, chat exports: look at each first, they "
                  "cannot be redacted). Anyone who asked to remain anonymous is withheld even so, with their files.",
    )
    disclosure_reason = forms.CharField(label="Why it is disclosed", max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("disclose_others") and not (data.get("disclosure_reason") or "").strip():
            self.add_error("disclosure_reason", "Give the reason for disclosing other people's personal data "
                                                "(their consent, or why it is reasonable without it).")
        return data
