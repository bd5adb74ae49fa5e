"""Pages for concerns and cases: logging a concern, the case list and page, editing, status, restriction,
a parent's page. Thin: each reads through the selectors and writes through the services."""

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access import permissions, visibility
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.access.twofactor import recent_confirmation_required
from incidents.cases import history, selectors, services
from incidents.cases.filters import CaseFilter
from incidents.cases.forms import CaseForm, ConcernForm, RestrictForm, TransitionForm
from incidents.cases.next_action import case_next_action, case_opening_section, responses_in_force
from incidents.cases.paging import CappedPaginator, page_by_ids
from incidents.chats import selectors as chat_selectors
from incidents.decisions.views import decisions_context
from incidents.evidence import selectors as evidence_selectors
from incidents.inputs import ids_from
from incidents.letters import selectors as letter_selectors
from incidents.models import Case, Parent
from incidents.parents import selectors as parent_selectors
from incidents.people.confidentiality import (
    CONFIDENTIAL,
    CaseConfidentiality,
    case_confidentiality,
    knows_the_raiser,
    parent_facing,
    people_as_seen_by,
    raiser_warning,
)
from incidents.submissions import already_handled, once_per_submission

FIND_PARENTS = "find_parents"  # the parent search's submit button, for browsers without JavaScript
# The case page's sections, each an anchor (#evidence): one click away, with or without JavaScript.
# The field history, the last of them, is a page of its own (it reads every saved version).
CASE_TABS = [("overview", "Overview"), ("chronology", "Chronology"), ("evidence", "Evidence"), ("chats", "Chats"),
             ("decisions", "Decisions"), ("letters", "Letters")]


@require_http_methods(["GET", "POST"])
def concern_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not permissions.can_log_concern(request.user):
        raise PermissionDenied
    if handled := already_handled(request):
        return handled
    school = request.school
    open_cases: Iterable[Case] = []
    if request.method == "POST":
        parent_ids = ids_from(request.POST.getlist("parents"))
        open_cases = selectors.open_cases_for_parents(request.user, parent_ids)
    if FIND_PARENTS in request.POST:
        # "Find" without JavaScript: the form again, with the parents found; nothing typed is lost,
        # nothing is checked or saved yet.
        form = ConcernForm(initial=ConcernForm.initial_from(request.POST), school=school, open_cases=open_cases)
        return render(request, "incidents/cases/concern_form.html", {"form": form})
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
            case = concern.case
            assert case is not None  # concern_log files every concern on a case
            messages.success(request, f"Concern logged on {case.reference}.")
            if warning := raiser_warning(parent_facing(case), concern.description, where="The description"):
                messages.warning(request, warning)
            return case.get_absolute_url()

        try:
            return once_per_submission(request, data["submission_token"], write)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "incidents/cases/concern_form.html", {"form": form})


@require_GET
def concern_parent_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: the concern form's parent search (large schools): the parents already chosen, still
    ticked, then the parents whose name matches what was typed."""
    if not permissions.can_log_concern(request.user):
        raise PermissionDenied
    form = ConcernForm(initial={"parent_search": request.GET.get("parent_search", ""),
                                "parents": request.GET.getlist("parents")},
                       school=request.school, search_parents=True)
    return render(request, "incidents/cases/_parent_choices.html", {"form": form, "field": form["parents"]})


@require_GET
def concern_open_cases(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: as parents are chosen on the concern form, say if any has an open case."""
    if not permissions.can_log_concern(request.user):
        raise PermissionDenied
    parent_ids = ids_from(request.GET.getlist("parents"))
    cases = selectors.open_cases_for_parents(request.user, parent_ids)[:5]
    return render(request, "incidents/cases/_open_cases_hint.html", {"cases": cases})


@require_GET
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    visible = visibility.cases_visible_to(request.user)
    listed = visibility.cases_visible_to(request.user, for_page=True)
    case_filter = CaseFilter(request.GET or None, queryset=listed, school=request.school)
    cases = case_filter.qs if case_filter.is_bound and case_filter.is_valid() else listed
    if not (case_filter.is_bound and case_filter.form.cleaned_data.get("sort")):
        cases = cases.order_by("-opened_at")
    narrowed = case_filter.is_bound and case_filter.is_valid() and any(
        value for name, value in case_filter.form.cleaned_data.items() if name != "sort")
    # Every visible case: the per-status counts give the total too, one grouped COUNT instead of two
    # full ones (at 100,000 cases each costs ms). A filtered page shows its own total.
    counts = None if narrowed else selectors.status_counts(visible)
    page = page_by_ids(cases, per_page=25, number=request.GET.get("page"),
                       paginator_class=CappedPaginator if narrowed else Paginator,
                       count=None if counts is None else sum(counts.values()),
                       count_from=(CaseFilter(request.GET, queryset=visible, school=request.school).qs
                                   if narrowed else None),
                       load=Case.objects.select_related("lead", "response_sanction"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "incidents/cases/list.html", {
        "filter": case_filter, "page": page, "query": query.urlencode(),
        "counts": counts, "total": page.paginator.count,
        "capped": getattr(page.paginator, "capped", False), "cap": CappedPaginator.cap,
    })


@require_GET
def case_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    services.case_access_record(case=case, user=request.user)
    can_work = permissions.can_work_on_case(request.user, case)
    evidence = evidence_selectors.case_evidence(case)
    chat_imports = chat_selectors.chat_imports_among(evidence)
    letters = letter_selectors.case_letters(case)
    decisions = decisions_context(request.user, case, letters=letters)
    concerns = list(case.concerns.select_related("group"))
    # A governor reads the case with an anonymous raiser withheld; staff see them, marked confidential.
    staff = knows_the_raiser(request.user)
    return render(request, "incidents/cases/detail.html", {
        "case": case,
        "case_tabs": CASE_TABS,
        "opening_section": case_opening_section(case),
        "next_action": case_next_action(request.user, case, decisions=decisions, letters=letters),
        "responses_in_force": responses_in_force(decisions),
        "timeline": selectors.case_timeline(case),
        "concerns": concerns,
        "evidence": evidence,
        "statements": case.statements.all(),
        "contacts": case.contacts.select_related("parent"),
        "clauses": case.clauses.all(),
        "parents": case.parents.all(),
        "moves": _moves_for(request.user, case) if can_work else [],
        "lead_form": _lead_form(request.user, case) if can_work else None,
        "can_work": can_work,
        "can_add_evidence": permissions.can_add_evidence(request.user, case),
        "can_restrict": permissions.can_restrict_case(request.user),
        # To the Head Teacher only: a restricted case shows everyone who opened it; any case, who looked
        # at it through the admin.
        "can_see_access_log": permissions.can_see_access_log(request.user),
        "accesses": selectors.case_accesses(case)[:50] if permissions.can_see_access_log(request.user) else [],
        "chat_imports": chat_imports,
        # Marks are made on chats: a case without one has none to look for.
        "marked_messages": chat_selectors.marked_messages_for(case, redact_others=False) if chat_imports else [],
        "letters": letters,
        "parent_link_letters": parent_selectors.live_link_letters(letters) if can_work and letters else set(),
        "people": people_as_seen_by(request.user, case, concerns=concerns),
        "confidential": case_confidentiality(case, concerns=concerns) if staff else CaseConfidentiality(),
        "confidential_label": CONFIDENTIAL if staff else "",
        **decisions,
    })


_MOVE_LABELS: dict[str, str] = {
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


def _may_export_access_log(request: AuthenticatedHttpRequest, reference: str) -> None:
    selectors.case_for(request.user, reference)  # 404 for a case this user may not see
    if not permissions.can_see_access_log(request.user):
        raise PermissionDenied


@require_GET
@recent_confirmation_required(guard=_may_export_access_log)
def case_access_log_csv(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The Head Teacher's export of who opened this case (restricted: in Casebook; any: the admin)."""
    case = selectors.case_for(request.user, reference)
    response = HttpResponse(selectors.case_accesses_csv(case), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-access-log.csv"'
    return response


def _lead_form(user, case: Case) -> TransitionForm | None:
    """The lead picker of "Start investigating": the person pressing it, if they may lead, else the
    lead already named. (Later moves back into "Investigating" keep the lead; the case's edit page
    changes it.)"""
    if case.status != Case.Status.NEW:
        return None
    default = user if permissions.can_lead(user) else case.lead
    return TransitionForm(initial={"lead": default.pk if default else None}, school=case.school)


@require_GET
def case_history(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    return render(request, "incidents/cases/history.html",
                  {"case": case, "entries": history.case_field_history(case), "case_tabs": CASE_TABS,
                   "on_history": True, "people": people_as_seen_by(request.user, case)})


@require_http_methods(["GET", "POST"])
def case_edit(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
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
            posted = request.POST.copy()
            posted["version"] = str(fresh.version)
            form = CaseForm(posted, instance=fresh)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Case saved.")
            return redirect(case)
    return render(request, "incidents/cases/form.html", {"case": case, "form": form, "conflict": conflict,
                                                          "button": "Save case"})


@require_POST
def case_transition(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    if not permissions.can_work_on_case(request.user, case):
        raise PermissionDenied
    form = TransitionForm(request.POST, school=case.school)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("lead", [])) or "Choose a status to move to.")
        return redirect(case)
    to, lead = form.cleaned_data["to"], form.cleaned_data["lead"]
    if to == Case.Status.INVESTIGATING and case.status == Case.Status.NEW and lead is None:
        # The picker offers the person pressing, when they may lead; a form without it means them too.
        if not permissions.can_lead(request.user):
            messages.error(request, "Choose who leads the investigation.")
            return redirect(case)
        lead = request.user
    try:
        services.case_transition(case=case, to=to, by=request.user, reason=form.cleaned_data["reason"],
                                 lead=lead if to == Case.Status.INVESTIGATING else None)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Case is now “{case.get_status_display()}”.")
    return redirect(case)


@require_POST
def case_restrict(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
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


@require_GET
def parent_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A parent's record and the cases about them that this user may see."""
    if not request.user.has_perm("incidents.view_parent"):
        raise PermissionDenied
    parent = get_object_or_404(Parent.objects.prefetch_related("children"), pk=pk, school=request.school)
    cases = visibility.cases_visible_to(request.user).filter(parents=parent).order_by("-opened_at")
    return render(request, "incidents/cases/parent_detail.html", {"parent": parent, "cases": cases})
