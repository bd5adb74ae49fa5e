"""Reads for the home page: what awaits each person today. Everything starts from cases_visible_to."""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse

from incidents import reminders
from incidents.models import Case, Concern, Letter, SubjectAccessRequest, User
from incidents.roles import Role
from incidents.selectors import bans_due_for_review, cases_visible_to, letters_visible_to, status_counts
from policies.models import School

DEADLINE_DAYS = 14
PANEL_SIZE = 8


@dataclass(frozen=True)
class PanelItem:
    label: str
    link: str
    note: str = ""


@dataclass
class Panel:
    """One box of the home page: a few items, and where to see them all."""

    title: str
    items: list[PanelItem] = field(default_factory=list)
    empty: str = "Nothing waiting."
    more_link: str = ""


def _case_items(cases: QuerySet[Case]) -> list[PanelItem]:
    return [PanelItem(label=f"{case.reference} {case.title}", link=case.get_absolute_url(),
                      note=case.get_status_display())
            for case in cases.order_by("-opened_at")[:PANEL_SIZE]]


def _letter_items(letters) -> list[PanelItem]:
    return [PanelItem(label=f"{letter.case.reference}: {letter.get_purpose_display()}",
                      link=reverse("incidents:letter_detail", args=[letter.pk]), note=letter.get_status_display())
            for letter in letters.order_by("created_at")[:PANEL_SIZE]]


def _case_list(status: str = "") -> str:
    return reverse("incidents:case_list") + (f"?status={status}" if status else "")


def upcoming_deadlines(user: User, *, school: School, today: datetime.date,
                       days: int = DEADLINE_DAYS) -> list[reminders.Deadline]:
    """Deadlines due within `days` (and any overdue) that concern this user: a case deadline only
    when they may see the case; any other when they are among its recipients."""
    until = today + datetime.timedelta(days=days)
    found = [d for d in reminders.deadlines(school=school, today=today) if d.due_on <= until]
    case_ids = {d.case.pk for d in found if d.case is not None}
    visible = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)) if case_ids else set()
    return [d for d in found
            if (d.case.pk in visible if d.case is not None else any(r.pk == user.pk for r in d.recipients))]


def panels_for(user: User, *, today: datetime.date) -> list[Panel]:
    """What awaits this user, by role. A person with several roles sees each role's panels."""
    visible = cases_visible_to(user)
    open_cases = visible.exclude(status=Case.Status.CLOSED)
    panels: list[Panel] = []
    if user.has_role(Role.HEAD):
        waiting = open_cases.filter(status=Case.Status.AWAITING_DECISION)
        panels.append(Panel("Decisions waiting for you", _case_items(waiting),
                            more_link=_case_list(Case.Status.AWAITING_DECISION)))
        drafts = letters_visible_to(user).filter(status=Letter.Status.DRAFT)
        panels.append(Panel("Letters awaiting your approval", _letter_items(drafts),
                            more_link=reverse("incidents:letter_register")))
        reviews = bans_due_for_review(user, on=today + datetime.timedelta(days=14))
        panels.append(Panel("Ban reviews due", [
            PanelItem(label=ban.case.reference, link=ban.case.get_absolute_url() + "#sanctions",
                      note=f"review {ban.review_on:%-d %b %Y}") for ban in reviews[:PANEL_SIZE]
        ], empty="No ban is due for review in the next 14 days."))
        requests = SubjectAccessRequest.objects.filter(status=SubjectAccessRequest.Status.OPEN).order_by("due_on")
        panels.append(Panel("Subject access requests open", [
            PanelItem(label=f"Received {request.received_on:%-d %b %Y}",
                      link=reverse("incidents:subject_access_list"), note=f"due {request.due_on:%-d %b %Y}")
            for request in requests[:PANEL_SIZE]
        ], more_link=reverse("incidents:subject_access_list")))
    if user.has_role(Role.LEAD):
        panels.append(Panel("New cases to investigate", _case_items(open_cases.filter(status=Case.Status.NEW)),
                            more_link=_case_list(Case.Status.NEW)))
    if user.has_role(Role.OFFICE):
        to_issue = letters_visible_to(user).filter(status=Letter.Status.APPROVED)
        panels.append(Panel("Approved letters to issue", _letter_items(to_issue),
                            more_link=reverse("incidents:letter_register")))
        concerns = (Concern.objects.filter(logged_by=user, case__in=visible).select_related("case")
                    .order_by("-logged_at")[:PANEL_SIZE])
        panels.append(Panel("Concerns you logged", [
            PanelItem(label=f"{concern.case.reference}: {concern.get_channel_display()}",
                      link=concern.case.get_absolute_url(), note=f"{concern.received_at:%-d %b %Y}")
            for concern in concerns
        ], empty="None yet."))
    if user.has_role(Role.DSL):
        panels.append(Panel("Safeguarding cases", _case_items(open_cases.filter(safeguarding=True)),
                            empty="No open safeguarding cases."))
    if user.has_role(Role.GOVERNOR):
        panels.append(Panel("Cases referred to you", _case_items(visible.filter(governors=user)),
                            empty="No case has been referred to you."))
    return panels


def my_open_cases(user: User) -> list[Case]:
    """Open cases the user leads or is assigned to."""
    mine = cases_visible_to(user).filter(lead=user) | cases_visible_to(user).filter(assignees=user)
    return list(mine.exclude(status=Case.Status.CLOSED).distinct().order_by("-opened_at")[:PANEL_SIZE])


def my_cases_by_status(user: User) -> dict[str, int]:
    return status_counts(cases_visible_to(user).filter(lead=user))


def counts(user: User) -> dict[str, int]:
    return status_counts(cases_visible_to(user))
