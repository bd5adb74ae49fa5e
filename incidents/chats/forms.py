"""Forms on a chat: the date order of an ambiguous export, and marking a message against a clause."""

from typing import cast

from django import forms

from incidents.models import Case
from policies.models import Clause


class ChatDateOrderForm(forms.Form):
    date_order = forms.ChoiceField(
        label="How are the dates in this chat written?", widget=forms.RadioSelect,
        choices=[("dmy", "Day first (UK, e.g. 05/02 = 5 February)"), ("mdy", "Month first (e.g. 05/02 = 2 May)")],
        initial="dmy",
    )


class ChatMarkForm(forms.Form):
    clause = forms.ModelChoiceField(label="Clause it breaches", queryset=Clause.objects.none(), empty_label=None)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["clause"]).queryset = Clause.objects.filter(
            version=case.policy_version_id)
