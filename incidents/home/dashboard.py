"""Reads for the home page: what awaits each person today. Everything starts from cases_visible_to."""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse

from incidents.access.visibility import BAN_STATES_WITH_THE_CHAIR, cases_visible_to, ids_led_or_assigned
from incidents.cases.selectors import status_counts
from incidents.decisions.selectors import bans_due_for_review
from incidents.letters.selectors import letters_visible_to
from incidents.models import Case, Concern, Letter, Notification, Sanction, SubjectAccessRequest, User
from incidents.notifications import deadlines
from incidents.notifications.selectors import emails_not_sent
from incidents.reporting.selectors import reported_concerns_awaiting
from incidents.roles import Role
from policies.models import School

DEADLINE_DAYS = 14
DEADLINES_SHOWN = 10  # on the home page; "And N more" links to the deadlines page
DEADLINE_LIST_SIZE = 100  # on the deadlines page
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
            # Only the case is shown: planning the register's six joins took longer than the query.
            for letter in letters.select_related(None).select_related("case").order_by("created_at")[:PANEL_SIZE]]


def _email_link(email: Notification) -> str:
    if email.letter_id:
        return reverse("incidents:letter_detail", args=[email.letter_id])
    return reverse("incidents:emails_not_sent")


def _case_list(status: str = "") -> str:
    return reverse("incidents:case_list") + (f"?status={status}" if status else "")


def upcoming_deadlines(user: User, *, school: School, today: datetime.date, days: int = DEADLINE_DAYS,
                       limit: int = DEADLINES_SHOWN, visible: QuerySet[Case] | None = None) -> deadlines.Nearest:
    """The `limit` nearest deadlines due within `days` (and any overdue) that concern this user, and
    how many more there are: a case deadline only when they may see the case; any other when they
    are among its recipients. Each source reads only its nearest few, in SQL."""
    context = deadlines.DeadlineContext(school=school, today=today, user=user, visible=visible,
                                        last_day=today + datetime.timedelta(days=days), limit=limit)
    return deadlines.nearest_deadlines(context)


def panels_for(user: User, *, today: datetime.date, visible: QuerySet[Case]) -> list[Panel]:
    """What awaits this user, by role, among the cases they may see (`visible`). A person with
    several roles sees each role's panels. All of the school in hand."""
    school = user.school_in_hand
    open_cases = visible.exclude(status=Case.Status.CLOSED)
    panels: list[Panel] = []
    if user.has_role(Role.HEAD):
        waiting = open_cases.filter(status=Case.Status.AWAITING_DECISION)
        panels.append(Panel("Decisions waiting for you", _case_items(waiting),
                            more_link=_case_list(Case.Status.AWAITING_DECISION)))
        drafts = letters_visible_to(user).filter(status=Letter.Status.DRAFT)
        panels.append(Panel("Letters awaiting your approval", _letter_items(drafts),
                            more_link=reverse("incidents:letter_register")))
        reviews = bans_due_for_review(user, on=today + datetime.timedelta(days=14), limit=PANEL_SIZE)
        panels.append(Panel("Ban reviews due", [
            PanelItem(label=ban.case.reference, link=ban.case.get_absolute_url() + "#sanctions",
                      note=f"review {ban.review_on:%-d %b %Y}") for ban in reviews
        ], empty="No ban is due for review in the next 14 days."))
        requests = SubjectAccessRequest.objects.filter(
            parent__school=school, status=SubjectAccessRequest.Status.OPEN).order_by("due_on")
        panels.append(Panel("Subject access requests open", [
            PanelItem(label=f"Received {request.received_on:%-d %b %Y}",
                      link=reverse("incidents:subject_access_list"), note=f"due {request.due_on:%-d %b %Y}")
            for request in requests[:PANEL_SIZE]
        ], more_link=reverse("incidents:subject_access_list")))
    if user.has_role(Role.LEAD):
        panels.append(Panel("New cases to investigate", _case_items(open_cases.filter(status=Case.Status.NEW)),
                            more_link=_case_list(Case.Status.NEW)))
    if user.has_role(Role.OFFICE) or user.has_role(Role.HEAD):
        not_sent = list(emails_not_sent(user)[:PANEL_SIZE])
        if not_sent or user.has_role(Role.OFFICE):  # the office looks here first; the Head only when needed
            panels.insert(0, Panel("E-mails not sent", [
                PanelItem(label=f"{email.addressee}: {email.subject}", link=_email_link(email),
                          note="failed" if email.state == Notification.State.FAILED else "trying again")
                for email in not_sent
            ], empty="Every e-mail has gone.", more_link=reverse("incidents:emails_not_sent")))
    if user.has_role(Role.OFFICE):
        to_issue = letters_visible_to(user, for_page=True).filter(status=Letter.Status.APPROVED)
        panels.append(Panel("Approved letters to issue", _letter_items(to_issue),
                            more_link=reverse("incidents:letter_register")))
        awaiting = (reported_concerns_awaiting(school=school) if school is not None
                    else Concern.objects.none())
        panels.append(Panel("Reported online", [
            PanelItem(label=f"{concern.receipt}: {concern.get_channel_display()}",
                      link=reverse("incidents:reported_detail", args=[concern.pk]),
                      note=f"{concern.received_at:%-d %b %Y}")
            for concern in awaiting[:PANEL_SIZE]
        ], empty="Nothing reported online is waiting.", more_link=reverse("incidents:reported_list")))
        concerns = concerns_logged_by(user, visible=visible)
        panels.append(Panel("Concerns you logged", [
            PanelItem(label=f"{concern.case.reference}: {concern.get_channel_display()}",
                      link=concern.case.get_absolute_url(), note=f"{concern.received_at:%-d %b %Y}")
            for concern in concerns if concern.case  # always: they are the concerns on cases they may see
        ], empty="None yet."))
    if user.has_role(Role.DSL):
        panels.append(Panel("Safeguarding cases", _case_items(open_cases.filter(safeguarding=True)),
                            empty="No open safeguarding cases."))
    if user.is_chair:
        # Every ban case the chair sees is one under review (cases_visible_to); referred ones are below.
        panels.append(Panel("Bans you review with the Head Teacher", _case_items(visible.filter(
            pk__in=Sanction.objects.filter(kind=Sanction.Kind.BAN, state__in=BAN_STATES_WITH_THE_CHAIR)
            .values("case_id"))), empty="No ban is under review."))
    if user.has_role(Role.GOVERNOR):
        panels.append(Panel("Cases referred to you", _case_items(visible.filter(governors=user)),
                            empty="No case has been referred to you."))
    return panels


def concerns_logged_by(user: User, *, visible: QuerySet[Case]) -> list[Concern]:
    """The newest concerns this user logged, on cases they may see (at most PANEL_SIZE).

    Their newest few are read first and only those few cases checked against `visible`: asked in
    one query ("newest first, among the cases I may see"), PostgreSQL sorts all of a busy office
    user's thousands of concerns (~40 ms at 100,000 cases). All are read only when too many of the
    newest are on cases now hidden from them (restricted since)."""
    mine = Concern.objects.filter(logged_by=user).select_related("case").order_by("-logged_at", "-pk")
    newest = list(mine[:PANEL_SIZE * 4 + 1])
    seen = set(visible.filter(pk__in={concern.case_id for concern in newest}).values_list("pk", flat=True))
    shown = [concern for concern in newest if concern.case_id in seen][:PANEL_SIZE]
    if len(shown) < PANEL_SIZE and len(newest) > PANEL_SIZE * 4:
        shown = list(mine.filter(case__in=visible)[:PANEL_SIZE])
    return shown


def my_open_cases(user: User, *, visible: QuerySet[Case]) -> list[Case]:
    """Open cases the user leads or is assigned to, among those they may see (`visible`)."""
    mine = visible.filter(pk__in=ids_led_or_assigned(user)).exclude(status=Case.Status.CLOSED)
    return list(mine.order_by("-opened_at")[:PANEL_SIZE])


@dataclass
class HomePage:
    panels: list[Panel]
    deadlines: deadlines.Nearest
    my_open_cases: list[Case]
    my_counts: dict[str, int] | None
    counts: dict[str, int]


def home_page(user: User, *, school: School | None, today: datetime.date) -> HomePage:
    """Everything the home page shows, from one cases_visible_to(user)."""
    visible = cases_visible_to(user)
    no_deadlines = deadlines.Nearest(deadlines=[], more=0, more_capped=False)
    return HomePage(
        panels=panels_for(user, today=today, visible=visible),
        deadlines=(upcoming_deadlines(user, school=school, today=today, limit=DEADLINES_SHOWN, visible=visible)
                   if school else no_deadlines),
        my_open_cases=my_open_cases(user, visible=visible),
        my_counts=status_counts(visible.filter(lead=user)) if user.has_role(Role.LEAD) else None,
        counts=status_counts(visible),
    )
