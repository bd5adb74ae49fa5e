"""Forms for the recommendation, the decision, each step of a sanction, and complaints."""

from typing import cast

from django import forms
from django.utils import timezone

from incidents.access.schools import members
from incidents.decisions.selectors import decision_justification_needed
from incidents.inputs import DATE_INPUT, MultipleFileField, PeopleChoiceField, people_holding
from incidents.models import Case, Complaint, Sanction, User
from incidents.roles import Role
from incidents.submissions import OncePerSubmissionForm
from policies.models import Clause, ResponseType, School

Kind = Sanction.Kind
State = Sanction.State

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
        cast(forms.ModelMultipleChoiceField, self.fields["responses"]).queryset = ResponseType.objects.filter(
            school=case.school_id, is_active=True).exclude(code=ResponseType.Code.BAN_LIFTED)
        cast(forms.ModelMultipleChoiceField, self.fields["clauses"]).queryset = Clause.objects.filter(
            version=case.policy_version_id)
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
        cast(forms.ModelMultipleChoiceField, self.fields["responses"]).queryset = ResponseType.objects.filter(
            school=case.school_id, is_active=True).exclude(code__in=_NOT_ORDERABLE)

    def clean(self):
        data = super().clean()
        responses = list(data.get("responses") or [])
        if bool(data.get("no_further_action")) == bool(responses):
            raise forms.ValidationError("Choose no further action, or one or more responses (not both).")
        if responses and not (data.get("justification") or "").strip() and decision_justification_needed(
                case=self.case, responses=responses):
            self.add_error("justification", "This is well above what the school usually does for a first case "
                                            "of this kind: say why it is proportionate.")
        return data


# Which fields each step asks for (the services check what is required).
STEP_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    (Kind.WARNING, State.ISSUED): (),
    (Kind.MEETING, State.INVITED): ("meeting_on", "meeting_time", "meeting_place"),
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
    (Kind.BAN, State.VARIED): ("conditions", "ends_on", "review_on", "variation_reasons", "with_chair"),
    (Kind.BAN, State.LIFTED): ("reasons", "with_chair"),
}


class SanctionStepForm(OncePerSubmissionForm):
    on = forms.DateField(label="Date", widget=DATE_INPUT, initial=timezone.localdate)
    meeting_on = forms.DateField(label="Meeting date", widget=DATE_INPUT)
    meeting_time = forms.TimeField(label="Meeting time", required=False, widget=forms.TimeInput(attrs={"type": "time"}),
                                   help_text="The invitation letter gives the time and place recorded here.")
    meeting_place = forms.CharField(label="Meeting place", max_length=200, required=False)
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
    # Declared fields go to base_fields, so this doesn't replace the form's own `files`; the stubs can't tell.
    files = MultipleFileField(label="Their letter or other files", required=False)  # type: ignore[assignment]
    ends_on = forms.DateField(label="Ban ends on (its length)", widget=DATE_INPUT)
    review_on = forms.DateField(label="Review date", widget=DATE_INPUT)
    with_chair = forms.BooleanField(label="Reviewed with the chair of governors", required=False)
    variation_reasons = forms.CharField(label="Reasons for the change", widget=TEXTAREA, required=False,
                                        help_text="The letter gives them as recorded here.")

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
        details = {k: v for k, v in self.cleaned_data.items()
                   if k not in ("submission_token", "on", "head_only_note", "files", "text")}
        if details.get("meeting_time"):
            details["meeting_time"] = details["meeting_time"].strftime("%H:%M")
        if "variation_reasons" in details:  # kept on the step as its reasons; the ban's own reasons stay
            details["reasons"] = details.pop("variation_reasons")
        return details


class ComplaintForm(OncePerSubmissionForm):
    received_on = forms.DateField(label="Received on", widget=DATE_INPUT, initial=timezone.localdate)
    summary = forms.CharField(label="What the parent contests", widget=forms.Textarea(attrs={"rows": 5}))


class ComplaintReferForm(OncePerSubmissionForm):
    governors = PeopleChoiceField(
        label="Governors on the panel", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="People not involved in the incident. They will see this case, read-only.",
    )
    on = forms.DateField(label="Referred on", widget=DATE_INPUT, initial=timezone.localdate)

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        # The Head Teacher's handling is contested: never offered, even if they hold the Governor role too.
        cast(forms.ModelMultipleChoiceField, self.fields["governors"]).queryset = people_holding(
            Role.GOVERNOR, school=school).exclude(pk__in=members(school, Role.HEAD).values("pk"))


class ComplaintOutcomeForm(OncePerSubmissionForm):
    outcome = forms.ChoiceField(label="Panel's outcome", choices=Complaint.Outcome.choices)
    reasons = forms.CharField(label="Panel's reasons", widget=forms.Textarea(attrs={"rows": 5}))
    on = forms.DateField(label="Decided on", widget=DATE_INPUT, initial=timezone.localdate)
