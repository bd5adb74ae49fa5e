"""Pages for recommending, deciding, taking a sanction's steps and handling complaints, and the case
page's section that shows them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from incidents.access import permissions
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.access.twofactor import recent_confirmation_required
from incidents.cases import selectors as case_selectors
from incidents.decisions import ban, complaints, selectors, services
from incidents.decisions import sanctions as sanction_services
from incidents.decisions.forms import (
    ComplaintForm,
    ComplaintOutcomeForm,
    ComplaintReferForm,
    DecisionForm,
    RecommendationForm,
    SanctionStepForm,
)
from incidents.evidence import uploads
from incidents.inputs import id_from
from incidents.letters import selectors as letter_selectors
from incidents.models import Case, Letter, Sanction
from incidents.people.confidentiality import people_as_seen_by
from incidents.submissions import once_per_submission
from policies.models import LetterTemplate

Purpose = LetterTemplate.Purpose

_STEP_LABELS: dict[str, str] = {
    Sanction.State.ISSUED: "Record the warning as issued",
    Sanction.State.INVITED: "Record the invitation to meet",
    Sanction.State.HELD: "Record the meeting held",
    Sanction.State.DECLINED: "Parent declined to meet",
    Sanction.State.DID_NOT_ATTEND: "Parent did not attend",
    Sanction.State.REFERRED: "Record the referral",
    Sanction.State.OUTCOME_RECORDED: "Record the referral's outcome",
    Sanction.State.ADVICE_SOUGHT: "Record the legal advice sought",
    Sanction.State.REQUESTED: "Record the request to the moderators",
    Sanction.State.RESULT_RECORDED: "Record the moderators' result",
    Sanction.State.PROVISIONAL: "Issue the provisional ban",
    Sanction.State.REPRESENTATIONS: "Record the parent's representations",
    Sanction.State.CONFIRMED: "Review: confirm the ban",
    Sanction.State.VARIED: "Review: vary the ban",
    Sanction.State.LIFTED: "Lift the ban",
}


def _step_label(sanction: Sanction, to: str) -> str:
    if to == sanction.state:
        return "Review: continue the ban to a new review date"
    return _STEP_LABELS[to]


def _letter_state(letters: dict, names: dict, token: str, purpose: str, *, sent_on=None) -> dict | None:
    """What the case page says about the letter a step needs: its letter, or the next thing to do."""
    if not purpose:
        return None
    name = names.get(purpose) or Purpose(purpose).label
    return {"letter": letters.get(token), "token": token, "purpose": purpose, "sent_on": sent_on,
            "prepare": f"Prepare the {name[:1].lower()}{name[1:]}"}


def decisions_context(user, case: Case, *, letters: list[Letter] | None = None) -> dict:
    """What the case page's decision section shows this user: each decision with the next thing to
    do after it, each sanction's steps with the letter each needs (or has), and what may be done.
    `letters`: the case's letters, when the page has read them already."""
    decisions = selectors.case_decisions(case)
    # Sanctions are ordered by a decision and a complaint contests one (decisions are never deleted):
    # a case not yet decided has neither, and most open cases are spared these queries.
    sanctions = selectors.case_sanctions(case) if decisions else []
    by_step = letter_selectors.case_step_letters(
        letters if letters is not None else letter_selectors.case_letters(case)) if decisions else {}
    names = letter_selectors.letter_names(case) if decisions else {}
    rows = []
    next_after: dict[int, list] = {decision.pk: [] for decision in decisions}
    for sanction in sanctions:
        actions = [
            (to, _step_label(sanction, to))
            for to in sorted(sanction_services.sanction_moves_for(sanction), key=list(Sanction.State.values).index)
            if permissions.can_take_sanction_step(user, sanction, to)
            and not (to in (Sanction.State.CONFIRMED, Sanction.State.VARIED)
                     and not selectors.ban_may_be_confirmed(sanction))
        ]
        steps = [(step, _letter_state(by_step, names, f"step-{step.pk}", step.letter_purpose,
                                      sent_on=step.letter_sent_on)) for step in sanction.steps.all()]
        # The reviews the chair of governors may still record taking part in.
        reviews_to_attend = {step.pk for step, _ in steps if permissions.can_record_review_participation(user, step)
                             and all(p.user_id != user.pk for p in step.participations.all())}
        # A warning is given by its letter: until it goes out, the letter is the next thing to do.
        warning = _letter_state(by_step, names, f"sanction-{sanction.pk}", Purpose.WARNING) if (
            sanction.kind == Sanction.Kind.WARNING and sanction.state == Sanction.State.PENDING) else None
        if warning is not None:
            next_after.setdefault(sanction.decision_id, []).append(warning)
        elif sanction.state == Sanction.State.PENDING and actions:
            next_after.setdefault(sanction.decision_id, []).append({"action": actions[0], "sanction": sanction})
        rows.append({"sanction": sanction, "actions": actions, "steps": steps, "warning_letter": warning,
                     "reviews_to_attend": reviews_to_attend,
                     "awaiting_representations": sanction.state == Sanction.State.PROVISIONAL})
    complaint_rows = [
        {"complaint": complaint, "panel": selectors.panel_progress(complaint),
         "may_record": permissions.can_record_panel_outcome(user, complaint)}
        for complaint in (selectors.case_complaints(case) if decisions else [])]
    return {
        "recommendation": selectors.latest_recommendation(case),
        "decisions": decisions,
        "decision_rows": [
            (decision, _letter_state(by_step, names, f"decision-{decision.pk}",
                                     decision.letter_purpose if decision.is_current else ""),
             next_after.get(decision.pk, []) if decision.is_current else [])
            for decision in decisions],
        "current_decision": next((d for d in reversed(decisions) if d.is_current), None),
        "sanction_rows": rows,
        "complaints": complaint_rows,
        "can_recommend": permissions.can_recommend(user, case),
        "can_decide": permissions.can_decide(user),
        "can_see_legal_advice": permissions.can_see_legal_advice(user),
        "can_record_complaint": permissions.can_work_on_case(user, case) and bool(decisions),
        "can_refer": permissions.can_refer_to_governors(user),
    }


def _decision_form_page(request, case, form, title, button, **extra) -> HttpResponse:
    return render(request, "incidents/decisions/step_form.html",
                  {"case": case, "form": form, "title": title, "button": button,
                   "people": people_as_seen_by(request.user, case), **extra})


@require_http_methods(["GET", "POST"])
def recommendation_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    if not permissions.can_recommend(request.user, case):
        raise PermissionDenied
    form = RecommendationForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.recommendation_submit(case=case, by=request.user, responses=data["responses"],
                                           clauses=data["clauses"], facts_found=data["facts_found"],
                                           reasons=data["reasons"])
            messages.success(request, "Recommendation recorded; the case awaits the Head Teacher's decision.")
            return case.get_absolute_url() + "#decisions"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, "Recommend a response", "Submit to the Head Teacher")


def _may_decide(request: AuthenticatedHttpRequest, reference: str) -> None:
    if not permissions.can_decide(request.user):
        raise PermissionDenied
    case_selectors.case_for(request.user, reference)


@require_http_methods(["GET", "POST"])
@recent_confirmation_required(guard=_may_decide)
def decision_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    supersedes = None
    asked = request.GET.get("supersedes") or request.POST.get("supersedes")
    if asked:
        # Junk ("abc", "²") names no decision, just as a number naming none.
        supersedes = get_object_or_404(case.decisions, pk=id_from(asked) or 0)
    form = DecisionForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.decision_record(
                case=case, by=request.user, reasons=data["reasons"], responses=data["responses"],
                no_further_action=data["no_further_action"], seriousness=data["seriousness"],
                repetition=data["repetition"], effect=data["effect"], parent_response=data["parent_response"],
                earlier_cases=data["earlier_cases"], justification=data["justification"], supersedes=supersedes,
            )
            messages.success(request, "Decision recorded.")
            return case.get_absolute_url() + "#decisions"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "incidents/decisions/decision_form.html", {
        "case": case, "form": form, "supersedes": supersedes,
        "recommendation": selectors.latest_recommendation(case),
        "panel": selectors.proportionality_for(case),
    })


@require_http_methods(["GET", "POST"])
def sanction_step(request: AuthenticatedHttpRequest, reference: str, pk: int, to: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    sanction = get_object_or_404(Sanction.objects.select_related("response_type", "case"), case=case, pk=pk)
    if to not in Sanction.State.values or to == Sanction.State.WITHDRAWN:
        raise Http404
    if not permissions.can_take_sanction_step(request.user, sanction, to):
        raise PermissionDenied
    form = SanctionStepForm(request.POST or None, request.FILES or None, sanction=sanction, to=to)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            if to == Sanction.State.REPRESENTATIONS:
                ban.representation_record(
                    sanction=sanction, by=request.user, received_on=data["on"], text=data["text"],
                    files=[(upload.name, uploads.upload_read(upload, max_mb=case.school.evidence_max_mb))
                           for upload in data["files"]],
                )
            else:
                sanction_services.sanction_transition(sanction=sanction, to=to, by=request.user, on=data["on"],
                                                      details=form.details(),
                                                                           head_only_note=data.get("head_only_note",
                                                                                                   ""))
            messages.success(request, f"{sanction.response_type.name}: recorded.")
            return case.get_absolute_url() + "#sanctions"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, _step_label(sanction, to), "Save", sanction=sanction,
                               multipart=to == Sanction.State.REPRESENTATIONS)


@require_http_methods(["GET", "POST"])
def complaint_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            complaints.complaint_record(case=case, by=request.user, received_on=data["received_on"],
                                        summary=data["summary"])
            messages.success(request, "Complaint recorded.")
            return case.get_absolute_url() + "#contest"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, "Record a complaint", "Save complaint")


@require_http_methods(["GET", "POST"])
def complaint_refer(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = case_selectors.case_for(request.user, reference)
    complaint = get_object_or_404(case.complaints, pk=pk)
    if not permissions.can_refer_to_governors(request.user):
        raise PermissionDenied
    form = ComplaintReferForm(request.POST or None, school=case.school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            complaints.complaint_refer(complaint=complaint, by=request.user, governors=data["governors"], on=data["on"])
            messages.success(request, "Referred to the governors' panel.")
            return case.get_absolute_url() + "#contest"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, "Refer to a governors' panel", "Refer")


@require_http_methods(["GET", "POST"])
def complaint_outcome(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    """A member of the governors' panel records its outcome, or confirms what another member recorded."""
    case = case_selectors.case_for(request.user, reference)
    complaint = get_object_or_404(case.complaints.prefetch_related("panel", "panel_records__member"), pk=pk)
    if not permissions.can_record_panel_outcome(request.user, complaint):
        raise PermissionDenied
    proposal = selectors.panel_proposal(complaint)
    initial = {"outcome": proposal.outcome, "reasons": proposal.reasons, "on": proposal.on} if proposal else {}
    form = ComplaintOutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            decided = complaints.complaint_outcome_record(complaint=complaint, by=request.user,
                                                          outcome=data["outcome"], reasons=data["reasons"],
                                                          on=data["on"])
            messages.success(request, "The panel's outcome is recorded: every member agrees."
                             if decided.state == decided.State.DECIDED
                             else "Your record of the panel's outcome is kept; the other members are asked to "
                                  "confirm it.")
            return case.get_absolute_url() + "#contest"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, "Record the panel's outcome", "Record this outcome",
                               complaint=complaint, panel=selectors.panel_progress(complaint), proposal=proposal)


@require_POST
def ban_review_participation(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    """The chair of governors records that they took part in one review of a ban (the step in the form)."""
    case = case_selectors.case_for(request.user, reference)
    if not request.user.is_chair:
        raise PermissionDenied
    sanction = get_object_or_404(case.sanctions, pk=pk, kind=Sanction.Kind.BAN)
    step = sanction.steps.filter(pk=id_from(request.POST.get("step", "")) or 0).first()
    if step is None:
        messages.error(request, "Choose the review you took part in.")
        return redirect(case.get_absolute_url() + "#sanctions")
    try:
        ban.ban_review_participation_record(step=step, by=request.user, note=request.POST.get("note", "")[:1000])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Recorded: you took part in this review.")
    return redirect(case.get_absolute_url() + "#sanctions")
