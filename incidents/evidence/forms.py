"""Forms for adding evidence, a statement and a contact."""

from typing import cast

from django import forms
from django.utils import timezone

from incidents.inputs import DATE_INPUT, DATETIME_INPUT
from incidents.models import Case, Contact, Evidence, Parent
from incidents.submissions import OncePerSubmissionForm


class EvidenceForm(OncePerSubmissionForm):
    file = forms.FileField(help_text="PNG, JPEG, HEIC, PDF, text, e-mail (.eml), Word (.docx), or a chat exported "
                                     "from WhatsApp (.txt, or the .zip with its photos).")
    description = forms.CharField(max_length=300, required=False)
    provided_by = forms.CharField(label="Who provided it", max_length=120)
    provided_at = forms.DateTimeField(label="When the school received it", widget=DATETIME_INPUT)
    obtained = forms.ChoiceField(
        label="How it was obtained", choices=Evidence.Obtained.choices,
        help_text="Choose “Exported chat” for a WhatsApp export: Casebook reads it into a conversation.",
    )

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
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = case.parents.all()
        self.fields["happened_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
