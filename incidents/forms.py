"""Forms: input and its plain-language checks. The rules of the workflow live in services."""

import secrets

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import prefetch_related_objects
from django.http import QueryDict
from django.utils import timezone

from incidents.models import Case, Concern, Contact, Evidence, Parent, ParentGroup, User
from incidents.roles import Role
from incidents.selectors import parents_matching
from policies.models import Clause, School

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


# --- choosing parents ----------------------------------------------------------------------------
# Up to PARENT_LIST_MAX parents, a form lists them all. A larger school (or group of schools) gets a
# search box instead: listing 100,000 parents took 30-50 s to render (issue 10).
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


class ParentSearchForm(forms.Form):
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
        return [int(v) for v in values or [] if str(v).isdigit()]

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

    def __init__(self, *args, school: School, open_cases=(), search_parents: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ParentGroup.objects.filter(school=school)
        self.fields["parents"].queryset = Parent.objects.filter(school=school)
        self.offer_parent_search(school=school, search=search_parents,
                                 help_text="Type part of a first or last name, then tick each parent concerned.")
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.open_cases = list(open_cases)
        if self.open_cases:
            self.fields["link_to"].required = True
            self.fields["link_to"].label = "This parent already has an open case. Add the concern to it?"
            self.fields["link_to"].error_messages["required"] = (
                "Nothing is saved yet: choose whether to add the concern to the open case or to open a new one.")
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
        self.fields["parent"].queryset = case.parents.all()
        self.fields["happened_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class SubjectAccessRequestForm(ParentSearchForm):
    parent_field = "parent"
    parent = forms.ModelChoiceField(label="Whose data", queryset=Parent.objects.none())
    received_on = forms.DateField(label="Received on", widget=DATE_INPUT, initial=timezone.localdate)
    how_received = forms.CharField(label="How it was received", max_length=200, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, school: School, search_parents: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Parent.objects.filter(school=school)
        self.offer_parent_search(school=school, search=search_parents,
                                 help_text="Type part of their first or last name, then choose them.")
        self.helper = FormHelper()
        self.helper.form_tag = False


class ExportForm(forms.Form):
    redact_others = forms.BooleanField(
        label="Withhold the names of other people", required=False, initial=True,
        help_text="Other parents, their children, and people who raised concerns or gave statements.",
    )

# --- chats exported from WhatsApp (issue 7) --------------------------------------------------------

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
        self.fields["clause"].queryset = Clause.objects.filter(version=case.policy_version_id)

# --- recommendations, decisions, sanctions, contests (issue 5) ------------------------------------

from incidents.models import Complaint, Sanction  # noqa: E402
from policies.models import ResponseType  # noqa: E402

TEXTAREA = forms.Textarea(attrs={"rows": 3})
# Outcomes, not responses to carry out: never ordered from the form.
_NOT_ORDERABLE = [ResponseType.Code.NO_FURTHER_ACTION, ResponseType.Code.BAN_LIFTED]


class RecommendationForm(OncePerSubmissionForm):
    responses = forms.ModelMultipleChoiceField(
        label="Recommended response", queryset=ResponseType.objects.none(), widget=forms.CheckboxSelectMultiple,
    )
    clauses = forms.ModelMultipleChoiceField(
        label="Clauses breached", queryset=Clause.objects.none(), widget=forms.CheckboxSelectMultiple, required=False,
    )
    facts_found = forms.CharField(label="Facts found", widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text="What the investigation established. Facts, not opinions.")
    reasons = forms.CharField(label="Reasons for this recommendation", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responses"].queryset = ResponseType.objects.filter(school=case.school_id, is_active=True).exclude(
            code=ResponseType.Code.BAN_LIFTED)
        self.fields["clauses"].queryset = Clause.objects.filter(version=case.policy_version_id)
        self.fields["clauses"].initial = list(case.clauses.values_list("pk", flat=True))


class DecisionForm(OncePerSubmissionForm):
    no_further_action = forms.BooleanField(label="No further action", required=False)
    responses = forms.ModelMultipleChoiceField(
        label="Or one or more responses from the ladder", queryset=ResponseType.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    reasons = forms.CharField(label="Reasons, in your own words", widget=forms.Textarea(attrs={"rows": 5}))
    seriousness = forms.CharField(label="Seriousness of the conduct", widget=TEXTAREA, required=False)
    repetition = forms.CharField(label="Repetition", widget=TEXTAREA, required=False)
    effect = forms.CharField(label="Effect on staff and children", widget=TEXTAREA, required=False)
    parent_response = forms.CharField(label="The parent's response when spoken to", widget=TEXTAREA, required=False)
    earlier_cases = forms.CharField(label="Earlier cases", widget=TEXTAREA, required=False)
    justification = forms.CharField(
        label="Why this response is proportionate", widget=TEXTAREA, required=False,
        help_text="Needed when the response is more than one rung above what the school usually does "
                  "for a first case of this kind.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["responses"].queryset = ResponseType.objects.filter(
            school=case.school_id, is_active=True).exclude(code__in=_NOT_ORDERABLE)

    def clean(self):
        from incidents.services import decision_justification_needed

        data = super().clean()
        responses = list(data.get("responses") or [])
        if bool(data.get("no_further_action")) == bool(responses):
            raise forms.ValidationError("Choose no further action, or one or more responses (not both).")
        if responses and not (data.get("justification") or "").strip() and decision_justification_needed(
                case=self.case, responses=responses):
            self.add_error("justification", "This is well above what the school usually does for a first case "
                                            "of this kind: say why it is proportionate.")
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


State = Sanction.State
Kind = Sanction.Kind
# Which fields each step asks for (the services check what is required).
STEP_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    (Kind.WARNING, State.ISSUED): (),
    (Kind.MEETING, State.INVITED): ("meeting_on",),
    (Kind.MEETING, State.HELD): ("attendees", "notes"),
    (Kind.MEETING, State.DECLINED): ("notes",),
    (Kind.MEETING, State.DID_NOT_ATTEND): ("notes",),
    (Kind.REFERRAL, State.REFERRED): ("organisation", "reference"),
    (Kind.REFERRAL, State.OUTCOME_RECORDED): ("outcome",),
    (Kind.LEGAL, State.ADVICE_SOUGHT): ("adviser", "head_only_note"),
    (Kind.MODERATORS, State.REQUESTED): ("group",),
    (Kind.MODERATORS, State.RESULT_RECORDED): ("result",),
    (Kind.BAN, State.PROVISIONAL): ("reasons", "conditions", "starts_on", "representations_due"),
    (Kind.BAN, State.REPRESENTATIONS): ("text", "files"),
    (Kind.BAN, State.CONFIRMED): ("ends_on", "review_on", "with_chair"),
    (Kind.BAN, State.VARIED): ("conditions", "ends_on", "review_on", "with_chair"),
    (Kind.BAN, State.LIFTED): ("reasons", "with_chair"),
}


class SanctionStepForm(OncePerSubmissionForm):
    on = forms.DateField(label="Date", widget=DATE_INPUT, initial=timezone.localdate)
    meeting_on = forms.DateField(label="Meeting date", widget=DATE_INPUT)
    attendees = forms.CharField(label="Who attended", max_length=300)
    notes = forms.CharField(label="Notes", widget=TEXTAREA)
    organisation = forms.CharField(label="Organisation referred to", max_length=200)
    reference = forms.CharField(label="Their reference number", max_length=100, required=False)
    outcome = forms.CharField(label="Outcome", widget=TEXTAREA)
    adviser = forms.CharField(label="Adviser", max_length=200)
    head_only_note = forms.CharField(label="Summary of the advice (seen by the Head Teacher only)", widget=TEXTAREA,
                                     required=False)
    group = forms.CharField(label="Group", max_length=200)
    result = forms.CharField(label="Result", widget=TEXTAREA)
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}))
    conditions = forms.CharField(label="Conditions and arrangements for the child",
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text="How the child is dropped off and collected; how meetings happen.")
    starts_on = forms.DateField(label="Ban starts on", widget=DATE_INPUT, initial=timezone.localdate)
    representations_due = forms.DateField(
        label="Representations deadline", widget=DATE_INPUT, required=False,
        help_text="Leave empty to use the school's period, counted in school days from the start date.",
    )
    text = forms.CharField(label="What the parent wrote or said", widget=forms.Textarea(attrs={"rows": 5}),
                           required=False)
    files = MultipleFileField(label="Their letter or other files", required=False)
    ends_on = forms.DateField(label="Ban ends on (its length)", widget=DATE_INPUT)
    review_on = forms.DateField(label="Review date", widget=DATE_INPUT)
    with_chair = forms.BooleanField(label="Reviewed with the chair of governors", required=False)

    def __init__(self, *args, sanction: Sanction, to: str, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = {"submission_token", "on", *STEP_FIELDS.get((sanction.kind, to), ())}
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "conditions" in self.fields and sanction.conditions:
            self.fields["conditions"].initial = sanction.conditions
        if "ends_on" in self.fields and sanction.ends_on:
            self.fields["ends_on"].initial = sanction.ends_on
        if to == State.REPRESENTATIONS:
            self.fields["on"].label = "Received on"

    def details(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items()
                if k not in ("submission_token", "on", "head_only_note", "files", "text")}


class ComplaintForm(OncePerSubmissionForm):
    received_on = forms.DateField(label="Received on", widget=DATE_INPUT, initial=timezone.localdate)
    summary = forms.CharField(label="What the parent contests", widget=forms.Textarea(attrs={"rows": 5}))


class ComplaintReferForm(OncePerSubmissionForm):
    governors = forms.ModelMultipleChoiceField(
        label="Governors on the panel", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="People not involved in the incident. They will see this case, read-only.",
    )
    on = forms.DateField(label="Referred on", widget=DATE_INPUT, initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["governors"].queryset = User.objects.filter(groups__name=Role.GOVERNOR.value, is_active=True)


class ComplaintOutcomeForm(OncePerSubmissionForm):
    outcome = forms.ChoiceField(label="Panel's outcome", choices=Complaint.Outcome.choices)
    reasons = forms.CharField(label="Panel's reasons", widget=forms.Textarea(attrs={"rows": 5}))
    on = forms.DateField(label="Decided on", widget=DATE_INPUT, initial=timezone.localdate)

class NotificationModeForm(forms.Form):
    notification_mode = forms.ChoiceField(
        label="How would you like Casebook's e-mails?", choices=User.NotificationMode.choices,
        widget=forms.RadioSelect,
        help_text="Safeguarding alerts always come at once. Reminders of deadlines follow your choice.",
    )
