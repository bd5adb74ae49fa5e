"""Forms for logging a concern and working on a case: choosing parents (a list, or a search in a
large school), the concern itself, editing, moving status, restricting."""

from typing import cast

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import prefetch_related_objects
from django.http import QueryDict
from django.utils import timezone

from incidents.cases.selectors import parents_matching
from incidents.inputs import (
    DATE_INPUT,
    DATETIME_INPUT,
    DatesInRange,
    PeopleChoiceField,
    PersonChoiceField,
    ids_from,
    people_holding,
)
from incidents.models import Case, Concern, Parent, ParentGroup, User
from incidents.roles import Role
from incidents.submissions import OncePerSubmissionForm
from policies.models import Clause, School

# Up to PARENT_LIST_MAX parents, a form lists them all. A larger school (or group of schools) gets a
# search box instead: listing 100,000 parents took 30-50 s to render.
PARENT_LIST_MAX = 300


PARENT_MATCHES_SHOWN = 20


def has_too_many_parents_to_list(school: School) -> bool:
    return Parent.objects.filter(school=school)[:PARENT_LIST_MAX + 1].count() > PARENT_LIST_MAX


def parent_label(parent: Parent) -> str:
    """A parent as a picker shows them: the name and their children's classes, so that two parents
    of the same name can be told apart. Nothing else about them (no contact details, no cases)."""
    classes = sorted({child.class_name for child in parent.children.all()})
    if not classes:
        return parent.full_name
    return f"{parent.full_name} — {'child' if len(classes) == 1 else 'children'} in {', '.join(classes)}"


class ParentSearchForm(DatesInRange, forms.Form):
    """A parents field answered by a search box instead of a list of every parent (large schools).

    The field keeps its queryset of every parent of the school, so a posted id is still checked
    against the school; only the choices shown are cut down to the ones already chosen (kept
    across searches and re-displays) followed by up to PARENT_MATCHES_SHOWN matches of the search.
    """

    parent_search = forms.CharField(label="Find a parent by name", max_length=80, required=False)
    parent_field = "parents"

    def offer_parent_search(self, *, school: School, help_text: str, search: bool | None = None) -> None:
        """Switch the parents field to a search when the school has too many parents to list
        (`search` forces it either way). Sets `self.searching_parents` and `self.more_parents_match`."""
        self.searching_parents = has_too_many_parents_to_list(school) if search is None else search
        self.more_parents_match = False
        if not self.searching_parents:
            del self.fields["parent_search"]
            return
        field = self.fields[self.parent_field]
        field.help_text = help_text  # before its bound field is made (below), which copies it
        multiple = isinstance(field, forms.ModelMultipleChoiceField)
        chosen_ids = self._chosen_parent_ids(multiple)
        chosen = list(Parent.objects.filter(school=school, pk__in=chosen_ids).order_by("last_name", "first_name"))
        text = self["parent_search"].value() or ""
        matches = list(parents_matching(text, school=school)[:PARENT_MATCHES_SHOWN + 1])
        self.more_parents_match = len(matches) > PARENT_MATCHES_SHOWN
        shown = chosen + [p for p in matches[:PARENT_MATCHES_SHOWN] if p.pk not in set(chosen_ids)]
        prefetch_related_objects(shown, "children")
        widget_class = forms.CheckboxSelectMultiple if multiple else forms.RadioSelect
        field.widget = widget_class(attrs={"class": "form-check-input"})
        field.widget.choices = [(parent.pk, parent_label(parent)) for parent in shown]

    def _chosen_parent_ids(self, multiple: bool) -> list[int]:
        value = self[self.parent_field].value()
        values = value if multiple else [value]
        return ids_from(values or [])

    @classmethod
    def initial_from(cls, data: QueryDict) -> dict:
        """What was typed so far, as the initial values of a fresh form: the "Find" button (without
        JavaScript) shows the matches without losing anything and without complaining yet."""
        return {name: data.getlist(name) if name == cls.parent_field else data.get(name)
                for name in data if name in cls.base_fields}


class ConcernForm(ParentSearchForm, OncePerSubmissionForm):
    received_at = forms.DateTimeField(label="When it was received", widget=DATETIME_INPUT)
    channel = forms.ChoiceField(label="How it arrived", choices=Concern.Channel.choices)
    raised_by_name = forms.CharField(label="Who raised it", max_length=120, required=False)
    raised_by_contact = forms.CharField(label="Their contact details", max_length=200, required=False)
    raised_anonymously = forms.BooleanField(
        label="They asked to remain anonymous", required=False,
        help_text="Anonymous to the parent concerned, not to the school: staff who may see the case see "
        "their name and contact details so the lead can call them back; nothing the parent receives names them.",
    )
    group = forms.ModelChoiceField(
        label="Which group or list", queryset=ParentGroup.objects.none(), required=False,
        empty_label="Not about a group",
    )
    parents = forms.ModelMultipleChoiceField(
        label="Parent or parents concerned", queryset=Parent.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="Tick each parent concerned.",
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

    def __init__(self, *args, school: School, open_cases=(), search_parents: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["group"]).queryset = ParentGroup.objects.filter(school=school)
        cast(forms.ModelMultipleChoiceField, self.fields["parents"]).queryset = Parent.objects.filter(school=school)
        self.offer_parent_search(school=school, search=search_parents,
                                 help_text="Type part of a first or last name, then tick each parent concerned.")
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.open_cases = list(open_cases)
        if self.open_cases:
            self.fields["link_to"].required = True
            self.fields["link_to"].label = "This parent already has an open case. Add the concern to it?"
            self.fields["link_to"].error_messages["required"] = (
                "Nothing is saved yet: choose whether to add the concern to the open case or to open a new one.")
            cast(forms.ChoiceField, self.fields["link_to"]).choices = [("new", "No: open a new case")] + [
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


class CaseForm(DatesInRange, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Case
        fields = ["title", "summary", "severity", "lead", "assignees", "incident_date", "clauses", "safeguarding"]
        widgets = {
            "incident_date": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 5}),
            "clauses": forms.CheckboxSelectMultiple,
            # Tick boxes: a multiple select needs Ctrl-click, which a phone does not have.
            "assignees": forms.CheckboxSelectMultiple,
        }
        field_classes = {"lead": PersonChoiceField, "assignees": PeopleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.instance
        self.fields["lead"].queryset = people_holding(Role.LEAD, school=case.school)
        self.fields["assignees"].queryset = people_holding(Role.OFFICE, Role.LEAD, Role.DSL, school=case.school)
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
    # Asked when the investigation starts (or restarts): only investigating leads are offered, or accepted.
    lead = PersonChoiceField(
        label="Who leads the investigation", queryset=User.objects.none(), required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm mb-1", "data-testid": "lead-picker"}),
        error_messages={"invalid_choice": "Choose an investigating lead from the list."})

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["lead"]).queryset = people_holding(Role.LEAD, school=school)


class RestrictForm(forms.Form):
    restricted = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=500)
