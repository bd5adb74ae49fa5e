"""Thin views: check who may act, validate the form, call a service, redirect."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents import dashboard, permissions, selectors, services
from incidents.filters import CaseFilter
from incidents.forms import (
    CaseForm,
    ConcernForm,
    ContactForm,
    EvidenceForm,
    ExportForm,
    RestrictForm,
    StatementForm,
    SubjectAccessRequestForm,
    TransitionForm,
)
from incidents.models import Case, CaseTombstone, Evidence, Parent, SubjectAccessRequest
from incidents.paging import CappedPaginator, page_by_ids
from incidents.twofactor import recent_confirmation_required
from policies.selectors import current_school, school_or_none


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each person's dashboard: what awaits them, the nearest deadlines of the next 14 days, their
    open cases, counts."""
    today = timezone.localdate()
    page = dashboard.home_page(request.user, school=school_or_none(), today=today)
    return render(request, "home.html", {
        "panels": page.panels,
        "deadlines": page.deadlines,
        "deadline_days": dashboard.DEADLINE_DAYS,
        "today": today,
        "my_open_cases": page.my_open_cases,
        "my_counts": page.my_counts,
        "counts": page.counts,
    })


@require_GET
def deadline_list(request: HttpRequest) -> HttpResponse:
    """The deadlines of the next 14 days that concern this person, beyond the home page's ten."""
    today = timezone.localdate()
    school = school_or_none()
    deadlines = (dashboard.upcoming_deadlines(request.user, school=school, today=today,
                                              limit=dashboard.DEADLINE_LIST_SIZE) if school else None)
    return render(request, "incidents/deadline_list.html", {
        "deadlines": deadlines, "deadline_days": dashboard.DEADLINE_DAYS, "today": today,
    })


def already_handled(request: HttpRequest) -> HttpResponse | None:
    """A form submitted again (double-click, resend) goes to the first submission's result."""
    if request.method != "POST":
        return None
    seen = services.submission_seen(token=request.POST.get("submission_token", ""))
    return redirect(seen) if seen else None


def once_per_submission(request: HttpRequest, token: str, write: Callable[[], str]) -> HttpResponse:
    """Run `write` (which returns the URL to go to) once per form submission token.

    A second POST of the same form — a double-click, a resend after a slow response — is sent
    to the first one's result and writes nothing.
    """
    seen = services.submission_seen(token=token)
    if seen:
        return redirect(seen)
    with transaction.atomic():
        url = write()
        claim = services.submission_claim(token=token, user=request.user, result_url=url)
        if not claim.first:
            transaction.set_rollback(True)
    return redirect(claim.result_url)


# --- concerns --------------------------------------------------------------------------------------

FIND_PARENTS = "find_parents"  # the parent search's submit button, for browsers without JavaScript


@require_http_methods(["GET", "POST"])
def concern_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_log_concern(request.user):
        raise PermissionDenied
    if handled := already_handled(request):
        return handled
    school = current_school()
    open_cases = []
    if request.method == "POST":
        parent_ids = [int(pk) for pk in request.POST.getlist("parents") if pk.isdigit()]
        open_cases = selectors.open_cases_for_parents(request.user, parent_ids)
    if FIND_PARENTS in request.POST:
        # "Find" without JavaScript: the form again, with the parents found; nothing typed is lost,
        # nothing is checked or saved yet.
        form = ConcernForm(initial=ConcernForm.initial_from(request.POST), school=school, open_cases=open_cases)
        return render(request, "incidents/concern_form.html", {"form": form})
    form = ConcernForm(request.POST or None, school=school, open_cases=open_cases)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            concern = services.concern_log(
                school=school, by=request.user, received_at=data["received_at"], channel=data["channel"],
                description=data["description"], parents=data["parents"], raised_by_name=data["raised_by_name"],
                raised_by_contact=data["raised_by_contact"], raised_anonymously=data["raised_anonymously"],
                group=data["group"], safeguarding=data["safeguarding"], link_to=form.chosen_case(),
            )
            messages.success(request, f"Concern logged on {concern.case.reference}.")
            return concern.case.get_absolute_url()

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "incidents/concern_form.html", {"form": form})


@require_GET
def concern_parent_search(request: HttpRequest) -> HttpResponse:
    """htmx: the concern form's parent search (large schools): the parents already chosen, still
    ticked, then the parents whose name matches what was typed."""
    if not permissions.can_log_concern(request.user):
        raise PermissionDenied
    form = ConcernForm(initial={"parent_search": request.GET.get("parent_search", ""),
                                "parents": request.GET.getlist("parents")},
                       school=current_school(), search_parents=True)
    return render(request, "incidents/_parent_choices.html", {"form": form, "field": form["parents"]})


@require_GET
def concern_open_cases(request: HttpRequest) -> HttpResponse:
    """htmx: as parents are chosen on the concern form, say if any has an open case."""
    if not permissions.can_log_concern(request.user):
        raise PermissionDenied
    parent_ids = [int(pk) for pk in request.GET.getlist("parents") if pk.isdigit()]
    cases = selectors.open_cases_for_parents(request.user, parent_ids)[:5]
    return render(request, "incidents/_open_cases_hint.html", {"cases": cases})


# --- cases -----------------------------------------------------------------------------------------

@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    visible = selectors.cases_visible_to(request.user)
    listed = selectors.cases_visible_to(request.user, for_page=True)
    case_filter = CaseFilter(request.GET or None, queryset=listed)
    cases = case_filter.qs if case_filter.is_bound and case_filter.is_valid() else listed
    if not (case_filter.is_bound and case_filter.form.cleaned_data.get("sort")):
        cases = cases.order_by("-opened_at")
    narrowed = case_filter.is_bound and case_filter.is_valid() and any(
        value for name, value in case_filter.form.cleaned_data.items() if name != "sort")
    # Every visible case: the per-status counts give the total too, one grouped COUNT instead of two
    # full ones (issue 10: at 100,000 cases each costs ms). A filtered page shows its own total.
    counts = None if narrowed else selectors.status_counts(visible)
    page = page_by_ids(cases, per_page=25, number=request.GET.get("page"),
                       paginator_class=CappedPaginator if narrowed else Paginator,
                       count=None if narrowed else sum(counts.values()),
                       count_from=CaseFilter(request.GET, queryset=visible).qs if narrowed else None,
                       load=Case.objects.select_related("lead"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "incidents/case_list.html", {
        "filter": case_filter, "page": page, "query": query.urlencode(),
        "counts": counts, "total": page.paginator.count,
        "capped": getattr(page.paginator, "capped", False), "cap": CappedPaginator.cap,
    })


@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    services.case_access_record(case=case, user=request.user)
    can_work = permissions.can_work_on_case(request.user, case)
    evidence = selectors.case_evidence(case)
    chat_imports = selectors.chat_imports_among(evidence)
    return render(request, "incidents/case_detail.html", {
        "case": case,
        "timeline": selectors.case_timeline(case),
        "concerns": case.concerns.select_related("group"),
        "evidence": evidence,
        "statements": case.statements.all(),
        "contacts": case.contacts.select_related("parent"),
        "clauses": case.clauses.all(),
        "parents": case.parents.all(),
        "moves": _moves_for(request.user, case) if can_work else [],
        "can_work": can_work,
        "can_add_evidence": permissions.can_add_evidence(request.user, case),
        "can_restrict": permissions.can_restrict_case(request.user),
        "accesses": case.accesses.select_related("user")[:50] if case.restricted else [],
        "chat_imports": chat_imports,
        # Marks are made on chats: a case without one has none to look for.
        "marked_messages": selectors.marked_messages_for(case, redact_others=False) if chat_imports else [],
        "letters": selectors.case_letters(case),

        **decisions_context(request.user, case),
    })


_MOVE_LABELS = {
    Case.Status.INVESTIGATING: "Start investigating",
    Case.Status.AWAITING_DECISION: "Submit for the Head Teacher's decision",
    Case.Status.SANCTION_IN_FORCE: "Sanction now in force",
    Case.Status.CLOSED: "Close the case",
}


def _moves_for(user, case: Case) -> list[tuple[str, str]]:
    moves = []
    for target in sorted(services.ALLOWED_MOVES[case.status], key=list(Case.Status.values).index):
        if (case.status, target) in services.HEAD_ONLY_MOVES:
            continue  # made by recording a decision
        if target in (Case.Status.AWAITING_DECISION, Case.Status.SANCTION_IN_FORCE):
            continue  # made by submitting a recommendation, and by a sanction taking effect
        label = "Reopen" if case.status == Case.Status.CLOSED else _MOVE_LABELS.get(target, Case.Status(target).label)
        moves.append((target, label))
    return moves


@require_GET
def case_history(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    records = list(case.history.select_related("history_user").order_by("-history_date"))
    changes = []
    for newer, older in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older, excluded_fields=["version", "updated_at"])
        changes.append({"record": newer, "changes": delta.changes})
    if records:
        changes.append({"record": records[-1], "changes": None})
    return render(request, "incidents/case_history.html", {"case": case, "entries": changes})


@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = CaseForm(request.POST or None, instance=Case.objects.get(pk=case.pk))
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_update(
                case=case, by=request.user, expected_version=data["version"],
                **{name: data[name] for name in services.EDITABLE_FIELDS},
                clauses=list(data["clauses"]), assignees=list(data["assignees"]),
            )
        except services.CaseChanged as changed:
            conflict = changed.changes
            messages.error(request, "Someone else changed this case while you were editing. "
                                    "Your changes were not saved: check what changed, then save again.")
            fresh = Case.objects.get(pk=case.pk)
            form = CaseForm(request.POST, instance=fresh)
            form.data = form.data.copy()
            form.data["version"] = fresh.version
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Case saved.")
            return redirect(case)
    return render(request, "incidents/case_form.html", {"case": case, "form": form, "conflict": conflict})


@require_POST
def case_transition(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status to move to.")
        return redirect(case)
    try:
        services.case_transition(case=case, to=form.cleaned_data["to"], by=request.user,
                                 reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Case is now “{case.get_status_display()}”.")
    return redirect(case)


@require_POST
def case_restrict(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_restrict_case(request.user):
        raise PermissionDenied
    form = RestrictForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for restricting or lifting the restriction.")
        return redirect(case)
    services.case_set_restricted(case=case, by=request.user, restricted=form.cleaned_data["restricted"],
                                 reason=form.cleaned_data["reason"])
    messages.success(request, "Case restricted." if case.restricted else "Restriction lifted.")
    return redirect(case)


# --- information gathered --------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def evidence_create(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_add_evidence(request.user, case):
        raise PermissionDenied
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]

        def write() -> str:
            if _is_chat_upload(upload.name, data["obtained"]):
                return _add_chat_evidence(request, case, upload, data)
            evidence = services.evidence_add(
                case=case, by=request.user, data=upload.read(), file_name=upload.name,
                provided_by=data["provided_by"], provided_at=data["provided_at"], obtained=data["obtained"],
                description=data["description"],
            )
            messages.success(request, f"Evidence added: {evidence.original_name} (SHA-256 {evidence.sha256[:12]}…).")
            return case.get_absolute_url() + "#evidence"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error("file", error)
    return render(request, "incidents/evidence_form.html", {"case": case, "form": form})


def _is_chat_upload(name: str, obtained: str) -> bool:
    # A .zip is only ever accepted as a chat export (or a Word document, which is not named .zip).
    return obtained == Evidence.Obtained.CHAT_EXPORT or name.lower().endswith(".zip")


def _add_chat_evidence(request: HttpRequest, case: Case, upload, data: dict) -> str:
    """Keep an exported chat and read it; the URL to go to next depends on whether it could be read."""
    result = services.evidence_add_chat(
        case=case, by=request.user, data=upload.read(), file_name=upload.name, provided_by=data["provided_by"],
        provided_at=data["provided_at"], description=data["description"],
    )
    sha = f"(SHA-256 {result.evidence.sha256[:12]}…)"
    if result.outcome == "not_a_chat":
        messages.warning(request, f"{result.message} {sha}")
        return case.get_absolute_url() + "#evidence"
    messages.success(request, f"Evidence added: {result.evidence.original_name} {sha}. {result.message}")
    name = "chat_detail" if result.outcome == "read" else "chat_date_order"
    return reverse(f"incidents:{name}", args=[case.reference, result.chat_import.pk])


@require_GET
def evidence_download(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    case = selectors.case_for(request.user, reference)
    evidence = get_object_or_404(case.evidence, pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing: run verify_integrity and tell the administrator.") from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def statement_create(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = StatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.statement_add(case=case, by=request.user, given_by=data["given_by"],
                                   given_on=data["given_on"], text=data["text"])
            messages.success(request, "Statement recorded.")
            return case.get_absolute_url() + "#statements"

        return once_per_submission(request, data["submission_token"], write)
    return render(request, "incidents/simple_form.html", {
        "case": case, "form": form, "title": "Record a statement", "button": "Save statement",
    })


@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = ContactForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.contact_record(
                case=case, by=request.user, happened_at=data["happened_at"], with_whom=data["with_whom"],
                method=data["method"], summary=data["summary"], agreed_actions=data["agreed_actions"],
                parent=data["parent"],
            )
            messages.success(request, "Contact recorded.")
            return case.get_absolute_url() + "#contacts"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "incidents/simple_form.html", {
        "case": case, "form": form, "title": "Record a contact", "button": "Save contact",
    })


@require_GET
def parent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A parent's record and the cases about them that this user may see."""
    if not request.user.has_perm("incidents.view_parent"):
        raise PermissionDenied
    parent = get_object_or_404(Parent.objects.prefetch_related("children"), pk=pk, school=current_school())
    cases = selectors.cases_visible_to(request.user).filter(parents=parent).order_by("-opened_at")
    return render(request, "incidents/parent_detail.html", {"parent": parent, "cases": cases})


# --- data protection -------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@permissions.allowed_if(permissions.can_handle_subject_access)
def subject_access_list(request: HttpRequest) -> HttpResponse:
    school = current_school()
    if FIND_PARENTS in request.POST:  # "Find" without JavaScript: the form again, with the parents found
        form = SubjectAccessRequestForm(initial=SubjectAccessRequestForm.initial_from(request.POST), school=school)
    else:
        form = SubjectAccessRequestForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = form.cleaned_data
        access_request = services.subject_access_request_record(
            by=request.user, parent=data["parent"], received_on=data["received_on"],
            how_received=data["how_received"], notes=data["notes"])
        messages.success(request, f"Request recorded. Answer by {access_request.due_on:%-d %B %Y}.")
        return redirect("incidents:subject_access_list")
    requests = SubjectAccessRequest.objects.select_related("parent").order_by("status", "due_on")
    return render(request, "incidents/privacy/requests.html", {
        "form": form, "requests": requests, "export_form": ExportForm(), "today": timezone.localdate(),
    })


@require_GET
@permissions.allowed_if(permissions.can_handle_subject_access)
def subject_access_parent_search(request: HttpRequest) -> HttpResponse:
    """htmx: the request form's parent search (large schools): the parent chosen, then the matches."""
    form = SubjectAccessRequestForm(initial={"parent_search": request.GET.get("parent_search", ""),
                                             "parent": request.GET.get("parent")},
                                    school=current_school(), search_parents=True)
    return render(request, "incidents/_parent_choices.html", {"form": form, "field": form["parent"]})


@require_POST
@permissions.allowed_if(permissions.can_handle_subject_access)
@recent_confirmation_required
def subject_access_export(request: HttpRequest, pk: int) -> HttpResponse:
    from incidents.privacy import subject_access_export as build_export

    access_request = get_object_or_404(SubjectAccessRequest, pk=pk, parent__school=current_school())
    form = ExportForm(request.POST)
    redact = form.is_valid() and form.cleaned_data["redact_others"]
    name, data = build_export(access_request=access_request, redact_others=redact)
    services.subject_access_export_record(access_request=access_request, by=request.user, redacted=redact)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@permissions.allowed_if(permissions.can_handle_subject_access)
def subject_access_complete(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = get_object_or_404(SubjectAccessRequest, pk=pk, parent__school=current_school())
    services.subject_access_request_complete(access_request=access_request, by=request.user, on=timezone.localdate())
    messages.success(request, "Marked as answered.")
    return redirect("incidents:subject_access_list")


@require_GET
@permissions.allowed_if(permissions.can_handle_subject_access)
def disposal_list(request: HttpRequest) -> HttpResponse:
    school = current_school()
    return render(request, "incidents/privacy/disposal.html", {
        "due": selectors.cases_due_for_disposal(school=school, today=timezone.localdate()),
        "tombstones": CaseTombstone.objects.select_related("authorised_by")[:100],
        "school": school,
    })


@require_POST
@permissions.allowed_if(permissions.can_handle_subject_access)
@recent_confirmation_required
def case_dispose(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    try:
        services.case_dispose(case=case, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{reference} was disposed of. A record of the disposal is kept.")
    return redirect("incidents:disposal_list")

# --- recommendations, decisions, sanctions, contests (issue 5) -------------------------------------

from incidents.forms import (  # noqa: E402
    ComplaintForm,
    ComplaintOutcomeForm,
    ComplaintReferForm,
    DecisionForm,
    RecommendationForm,
    SanctionStepForm,
)
from incidents.models import Sanction  # noqa: E402

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


def decisions_context(user, case: Case) -> dict:
    """What the case page's decision section shows this user."""
    decisions = selectors.case_decisions(case)
    # Sanctions are ordered by a decision and a complaint contests one (decisions are never deleted):
    # a case not yet decided has neither, and most open cases are spared two queries.
    sanctions = selectors.case_sanctions(case) if decisions else []
    rows = []
    for sanction in sanctions:
        actions = [
            (to, _step_label(sanction, to))
            for to in sorted(services.sanction_moves_for(sanction), key=list(Sanction.State.values).index)
            if permissions.can_take_sanction_step(user, sanction, to)
            and not (to in (Sanction.State.CONFIRMED, Sanction.State.VARIED)
                     and not services.ban_may_be_confirmed(sanction))
        ]
        rows.append({"sanction": sanction, "actions": actions,
                     "awaiting_representations": sanction.state == Sanction.State.PROVISIONAL})
    return {
        "recommendation": selectors.latest_recommendation(case),
        "decisions": decisions,
        "current_decision": next((d for d in reversed(decisions) if d.is_current), None),
        "sanction_rows": rows,
        "complaints": selectors.case_complaints(case) if decisions else [],
        "can_recommend": permissions.can_recommend(user, case),
        "can_decide": permissions.can_decide(user),
        "can_see_legal_advice": permissions.can_see_legal_advice(user),
        "can_record_complaint": permissions.can_work_on_case(user, case) and bool(decisions),
        "can_refer": permissions.can_refer_to_governors(user),
        "can_record_panel_outcome": permissions.can_work_on_case(user, case),
    }


def _decision_form_page(request, case, form, title, button, **extra) -> HttpResponse:
    return render(request, "incidents/decisions/step_form.html",
                  {"case": case, "form": form, "title": title, "button": button, **extra})


@require_http_methods(["GET", "POST"])
def recommendation_create(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
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


@require_http_methods(["GET", "POST"])
@recent_confirmation_required
def decision_create(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_decide(request.user):
        raise PermissionDenied
    supersedes = None
    if request.GET.get("supersedes") or request.POST.get("supersedes"):
        supersedes = get_object_or_404(case.decisions, pk=request.GET.get("supersedes") or request.POST["supersedes"])
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
def sanction_step(request: HttpRequest, reference: str, pk: int, to: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
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
                services.representation_record(
                    sanction=sanction, by=request.user, received_on=data["on"], text=data["text"],
                    files=[(upload.name, upload.read()) for upload in data["files"]],
                )
            else:
                services.sanction_transition(sanction=sanction, to=to, by=request.user, on=data["on"],
                                             details=form.details(), head_only_note=data.get("head_only_note", ""))
            messages.success(request, f"{sanction.response_type.name}: recorded.")
            return case.get_absolute_url() + "#sanctions"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, _step_label(sanction, to), "Save", sanction=sanction,
                               multipart=to == Sanction.State.REPRESENTATIONS)


@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.complaint_record(case=case, by=request.user, received_on=data["received_on"],
                                      summary=data["summary"])
            messages.success(request, "Complaint recorded.")
            return case.get_absolute_url() + "#contest"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, "Record a complaint", "Save complaint")


@require_http_methods(["GET", "POST"])
def complaint_refer(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    complaint = get_object_or_404(case.complaints, pk=pk)
    if not permissions.can_refer_to_governors(request.user):
        raise PermissionDenied
    form = ComplaintReferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.complaint_refer(complaint=complaint, by=request.user, governors=data["governors"], on=data["on"])
            messages.success(request, "Referred to the governors' panel.")
            return case.get_absolute_url() + "#contest"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, "Refer to a governors' panel", "Refer")


@require_http_methods(["GET", "POST"])
def complaint_outcome(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    complaint = get_object_or_404(case.complaints, pk=pk)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = ComplaintOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.complaint_outcome_record(complaint=complaint, by=request.user, outcome=data["outcome"],
                                              reasons=data["reasons"], on=data["on"])
            messages.success(request, "Panel's outcome recorded.")
            return case.get_absolute_url() + "#contest"

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return _decision_form_page(request, case, form, "Record the panel's outcome", "Save outcome")
