"""Reads. Who may see a case is decided here, once, and every page starts from it."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from incidents.models import Case, CaseEvent, Concern, Statement, User
from incidents.roles import Role

_Assignees = Case.assignees.through
_Governors = Case.governors.through


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Every case this user may see — the one definition used by every list, search, count,
    export, download and detail page.

    - the Head Teacher: all cases;
    - anyone assigned (the lead, or an assignee): that case, even when restricted;
    - investigating leads: all unrestricted cases;
    - office staff: unrestricted cases they logged (opened, or logged a concern on);
    - the Safeguarding lead: unrestricted safeguarding cases;
    - governors: unrestricted cases referred to them;
    - administrators and users without a role: none.
    """
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user.has_role(Role.HEAD):
        return Case.objects.all()

    assigned = Q(lead=user) | Q(Exists(_Assignees.objects.filter(case=OuterRef("pk"), user=user)))
    open_to_role = Q(pk__in=[])
    if user.has_role(Role.LEAD):
        open_to_role |= Q(pk__isnull=False)
    if user.has_role(Role.OFFICE):
        open_to_role |= Q(created_by=user) | Q(
            Exists(Concern.objects.filter(case=OuterRef("pk"), logged_by=user))
        )
    if user.has_role(Role.DSL):
        open_to_role |= Q(safeguarding=True)
    if user.has_role(Role.GOVERNOR):
        open_to_role |= Q(Exists(_Governors.objects.filter(case=OuterRef("pk"), user=user)))
    return Case.objects.filter(assigned | (Q(restricted=False) & open_to_role))


def case_for(user: User, reference: str) -> Case:
    """The case with this reference if the user may see it; 404 otherwise (never 403: a 403 would
    tell them the case exists)."""
    visible = cases_visible_to(user).select_related("lead", "policy_version__policy")
    return get_object_or_404(visible, reference=reference)


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's one chronology, in time order."""
    return case.events.select_related("actor").order_by("at", "id")


def case_search(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Cases whose title, summary, concerns or statements mention the text (SQLite fallback)."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(title__icontains=text)
        | Q(summary__icontains=text)
        | Q(reference__iexact=text)
        | Q(Exists(Concern.objects.filter(case=OuterRef("pk"), description__icontains=text)))
        | Q(Exists(Statement.objects.filter(case=OuterRef("pk"), text__icontains=text)))
    )


def status_counts(queryset: QuerySet[Case]) -> dict[str, int]:
    rows = queryset.order_by().values("status").annotate(n=Count("pk"))
    counts = {status: 0 for status in Case.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def open_cases_for_parents(user: User, parent_ids: list[int]) -> QuerySet[Case]:
    """Open cases the user may see about any of these parents (offered when logging a concern)."""
    if not parent_ids:
        return Case.objects.none()
    return (
        cases_visible_to(user)
        .filter(parents__in=parent_ids)
        .exclude(status=Case.Status.CLOSED)
        .distinct()
        .order_by("-opened_at")
    )


def earlier_cases_of_parent(parent_id: int, *, exclude: Case | None = None) -> QuerySet[Case]:
    qs = Case.objects.filter(parents=parent_id).order_by("-opened_at")
    return qs.exclude(pk=exclude.pk) if exclude else qs



def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def disposal_due_on(case: Case) -> datetime.date | None:
    """The day a closed case's retention period ends (None while it is open)."""
    if case.status != Case.Status.CLOSED or case.closed_at is None:
        return None
    return _add_years(timezone.localdate(case.closed_at), case.school.retention_years)


def cases_due_for_disposal(*, school, today: datetime.date) -> QuerySet[Case]:
    """Closed cases whose retention period has ended, for the Head Teacher to confirm."""
    closed_by = _add_years(today, -school.retention_years)
    return Case.objects.filter(
        school=school, status=Case.Status.CLOSED, closed_at__date__lte=closed_by
    ).order_by("closed_at")


# --- letters ------------------------------------------------------------------------------------

def letters_visible_to(user: User):
    """Letters of the cases this user may see (and no others): the register and every letter page start here."""
    from incidents.models import Letter

    return Letter.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "template_version__template", "issued_by", "approved_by", "created_by")


def letter_for(user: User, pk: int):
    """The letter if the user may see its case; 404 otherwise, as for the case itself."""
    return get_object_or_404(letters_visible_to(user), pk=pk)
