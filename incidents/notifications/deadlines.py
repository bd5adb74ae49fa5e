"""Deadlines: a registry of small "deadline sources", read by the daily reminder job and the home page.

A source is a function taking a `DeadlineContext` and returning what it `Found`: `Deadline` records
for everything still open that falls due within `LOOKAHEAD_DAYS` (or is already overdue). It does
not send anything: the daily job (services.reminders_send) sends each reminder stage once per person
who may see the case. The home page passes a context naming its reader, its last day and a limit:
each source then reads only the cases that person may see, and in SQL only its nearest few
deadlines and how many it has in all (at 100,000 cases a source must not build thousands
of deadlines to show ten).

To add a source: write a function that orders its rows nearest deadline first, hands them to
`context.found`, and decorate it with `@deadline_source`.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from incidents.access.schools import members
from incidents.access.visibility import cases_visible_to
from incidents.models import Case, Letter, Sanction, SanctionStep, SubjectAccessRequest, User
from incidents.roles import Role
from policies.models import School
from policies.selectors import REVIEW_WARNING_DAYS, SchoolDays, adopted_policy

LOOKAHEAD_DAYS = 30  # the furthest any source looks ahead (the policy review warning)
DECISION_WAIT_SCHOOL_DAYS = 5
LETTER_ISSUE_SCHOOL_DAYS = 2
SAR_WARNING_DAYS = 7
# Beyond the deadlines it shows, a source counts up to this many more ("And 100+ more"): counting
# further would read every row the limit spared (an office user's cases, joined to what they may see).
COUNT_CAP = 100
ONE_DAY = datetime.timedelta(days=1)
SOON_DAYS = 7  # "due soon": within a school week or so


class Urgency:
    """How a deadline stands on a given day, as its page words it."""

    OVERDUE = "overdue"
    TODAY = "today"
    SOON = "soon"
    LATER = "later"


@dataclass(frozen=True)
class Deadline:
    """Something that falls due. `key` names the event ("sar:12"); `remind_on` lists the days a
    reminder goes out (a stage each); `recipients` are who should be reminded, before the
    check of who may see the case (on the home page: its reader, when among them). `title` names
    no person: it goes into e-mails, which go out at the reminder stages, so it may say what is true
    then ("has been waiting for more than 5 school days"). `subject` names the thing whatever the day
    ("A decision on a case waiting for the Head Teacher"): pages word it by `wording(today)`."""

    key: str
    case: Case | None
    due_on: datetime.date
    title: str
    recipients: tuple[User, ...]
    remind_on: tuple[datetime.date, ...] = ()
    path: str = ""
    subject: str = ""

    def urgency(self, today: datetime.date) -> str:
        if self.due_on < today:
            return Urgency.OVERDUE
        if self.due_on == today:
            return Urgency.TODAY
        if (self.due_on - today).days <= SOON_DAYS:
            return Urgency.SOON
        return Urgency.LATER

    def wording(self, today: datetime.date) -> str:
        """The deadline in a line, true on `today`: overdue (and since when), due today, due tomorrow,
        due in a few days, or due on a later date. Never "has been waiting" about a day to come."""
        subject = self.subject or self.title
        days = (self.due_on - today).days
        when = f"{self.due_on:%a} {self.due_on.day} {self.due_on:%b}"
        if self.due_on.year != today.year:
            when += f" {self.due_on:%Y}"
        urgency = self.urgency(today)
        if urgency == Urgency.OVERDUE:
            late = -days
            return f"{subject}: overdue by {late} day{'s' if late != 1 else ''} (due {when})"
        if urgency == Urgency.TODAY:
            return f"{subject}: due today"
        if days == 1:
            return f"{subject}: due tomorrow ({when})"
        if urgency == Urgency.SOON:
            return f"{subject}: due in {days} days ({when})"
        return f"{subject}: due {when}"

    def stage_on(self, today: datetime.date) -> datetime.date | None:
        """The latest reminder day reached by `today`, or None before the first. A job that did
        not run for a few days still sends the stage it missed, once."""
        reached = [day for day in self.remind_on if day <= today]
        return max(reached) if reached else None

    @property
    def link_path(self) -> str:
        return self.path or (self.case.get_absolute_url() if self.case else reverse("incidents:home"))

    @property
    def overdue_on(self) -> datetime.date:
        # The last day a date can hold has no day after it: such a deadline is never overdue.
        return self.due_on + ONE_DAY if self.due_on < datetime.date.max else self.due_on


@dataclass(frozen=True)
class Found:
    """What a source found: its deadlines, nearest first (only the nearest `limit` when the context
    sets one), and how many it has in all (`capped`: at least that many)."""

    deadlines: list[Deadline]
    total: int
    capped: bool = False

    @classmethod
    def all_of(cls, deadlines: list[Deadline]) -> "Found":
        return cls(deadlines=deadlines, total=len(deadlines))


@dataclass
class DeadlineContext:
    """What the sources read. The daily job gives only the school and the day and gets every
    deadline. The home page also names the `user` (only deadlines of cases they may see, and
    others only when they are among the recipients), the `last_day` shown and a `limit`: each
    source then returns its nearest `limit` deadlines due by `last_day`, cut in SQL."""

    school: School
    today: datetime.date
    user: User | None = None
    last_day: datetime.date | None = None
    limit: int | None = None
    visible: QuerySet[Case] | None = None  # cases_visible_to(user), when the caller has it already
    _role_users: dict = field(default_factory=dict)

    @cached_property
    def school_days(self) -> SchoolDays:
        # Far enough back for the oldest case still waiting; holidays that ended earlier don't matter.
        return SchoolDays(self.school, self.today - datetime.timedelta(days=400))

    @cached_property
    def cases(self) -> QuerySet[Case]:
        """The school's cases whose deadlines are read: those the user may see, or all for the job."""
        if self.user is None:
            return Case.objects.filter(school=self.school)
        visible = cases_visible_to(self.user) if self.visible is None else self.visible
        return visible.filter(school=self.school)

    @cached_property
    def cases_for_page(self) -> QuerySet[Case]:
        """The same cases in the form that reads the first few of a long ordered list fastest
        (cases_visible_to's `for_page`: PostgreSQL walks the list's index, testing each row against
        a hashed set of the visible ids, and stops after the first few — or, counting, at the cap).
        `cases` (joined) is faster for reading all of a short list."""
        if self.user is None:
            return self.cases
        return cases_visible_to(self.user, for_page=True).filter(school=self.school)

    def users(self, *roles: Role) -> tuple[User, ...]:
        """Active users holding any of these roles (one query per role, per run). On the home page,
        only its reader, when they hold one: no other recipient matters there."""
        if self.user is not None:
            return (self.user,) if any(self.user.has_role(role) for role in roles) else ()
        found: dict[int, User] = {}
        for role in roles:
            if role not in self._role_users:
                self._role_users[role] = list(members(self.school, role).filter(is_active=True).order_by("pk"))
            found.update({user.pk: user for user in self._role_users[role]})
        return tuple(found.values())

    def concerns_reader(self, recipients: tuple[User, ...]) -> bool:
        """Whether a deadline of no case is read here: always by the job, by a user only when they
        are among its recipients."""
        return self.user is None or any(user.pk == self.user.pk for user in recipients)

    @property
    def horizon(self) -> datetime.date:
        furthest = self.today + datetime.timedelta(days=LOOKAHEAD_DAYS)
        return min(furthest, self.last_day) if self.last_day else furthest

    def latest_start(self, school_days: int) -> datetime.datetime | None:
        """For a deadline `school_days` school days after something began: the moment before which
        it must have begun to fall due by `last_day` (None without a last day: no cut)."""
        if self.last_day is None:
            return None
        start = self.last_day
        while self.school_days.after(start, school_days) > self.last_day:
            start -= ONE_DAY
        return timezone.make_aware(datetime.datetime.combine(start + ONE_DAY, datetime.time.min))

    def found(self, rows: QuerySet, deadline: Callable[[Any], Deadline | None]) -> Found:
        """The deadlines of `rows`, a queryset ordered nearest deadline first. With a limit, only
        the first `limit` rows are read, and the rest are counted in SQL (up to COUNT_CAP) when
        there may be more."""
        if self.limit is None:
            made = [deadline(row) for row in rows]
            deadlines = [d for d in made if d is not None]
            return Found.all_of(deadlines)
        nearest = list(rows[:self.limit])
        most = self.limit + COUNT_CAP
        total = len(nearest) if len(nearest) < self.limit else rows.order_by()[:most].count()
        deadlines = [d for d in (deadline(row) for row in nearest) if d is not None]
        return Found(deadlines=deadlines, total=total - (len(nearest) - len(deadlines)), capped=total >= most)


DeadlineSource = Callable[[DeadlineContext], Found]
SOURCES: list[DeadlineSource] = []


def deadline_source(source: DeadlineSource) -> DeadlineSource:
    """Register a source with the daily job and the home page."""
    SOURCES.append(source)
    return source


def _soonest_first(deadlines: Iterable[Deadline]) -> list[Deadline]:
    return sorted(deadlines, key=lambda d: (d.due_on, d.key))


def deadlines(*, school: School, today: datetime.date, context: DeadlineContext | None = None) -> list[Deadline]:
    """Every open deadline of the school from every source, soonest first."""
    context = context or DeadlineContext(school=school, today=today)
    return _soonest_first(deadline for source in SOURCES for deadline in source(context).deadlines)


@dataclass(frozen=True)
class Nearest:
    """The nearest deadlines, and how many more there are (`more_capped`: at least that many)."""

    deadlines: list[Deadline]
    more: int
    more_capped: bool


def nearest_deadlines(context: DeadlineContext) -> Nearest:
    """The context's `limit` nearest deadlines from all sources together, and a count of the rest."""
    found = [source(context) for source in SOURCES]
    every = _soonest_first(deadline for one in found for deadline in one.deadlines)
    shown = every[:context.limit] if context.limit is not None else every
    total = sum(one.total for one in found)
    return Nearest(deadlines=shown, more=total - len(shown), more_capped=any(one.capped for one in found))


# --- the sources ------------------------------------------------------------------------------------

@deadline_source
def policy_review_due(context: DeadlineContext) -> Found:
    """The adopted policy's review date: 30 days before, and once it has passed."""
    recipients = context.users(Role.HEAD, Role.ADMIN)
    if not context.concerns_reader(recipients):
        return Found.all_of([])
    version = adopted_policy(school=context.school)
    if version is None or version.review_on is None or version.review_on > context.horizon:
        return Found.all_of([])
    review_on = version.review_on
    return Found.all_of([Deadline(
        key=f"policy-review:{version.pk}", case=None, due_on=review_on,
        title="The code of conduct is due for review", subject="The code of conduct's review",
        recipients=recipients,
        remind_on=(review_on - datetime.timedelta(days=REVIEW_WARNING_DAYS), review_on + ONE_DAY),
        path=reverse("policies:policy"),
    )])


@deadline_source
def decisions_waiting(context: DeadlineContext) -> Found:
    """Cases awaiting the Head Teacher's decision: due 5 school days after they began waiting
    (Case.status_changed_at); reminded once they have waited longer. The longest waiting first."""
    waiting = (context.cases_for_page.filter(status=Case.Status.AWAITING_DECISION)
               .order_by("status_changed_at", "pk"))
    latest_start = context.latest_start(DECISION_WAIT_SCHOOL_DAYS)
    if latest_start is not None:
        waiting = waiting.filter(status_changed_at__lt=latest_start)
    heads = context.users(Role.HEAD)

    def deadline(case: Case) -> Deadline:
        start = timezone.localdate(case.status_changed_at)
        return Deadline(
            key=f"decision:{case.pk}:{start.isoformat()}", case=case,
            due_on=context.school_days.after(start, DECISION_WAIT_SCHOOL_DAYS),
            title="A case has been waiting for a decision for more than 5 school days",
            subject="A decision on a case waiting for the Head Teacher",
            recipients=heads, remind_on=(context.school_days.after(start, DECISION_WAIT_SCHOOL_DAYS + 1),),
        )
    # An office user at 100,000 cases: 5 ms for the first ten, 7 ms to count 110 (joined: 15 and 15).
    return context.found(waiting, deadline)


@deadline_source
def subject_access_requests_due(context: DeadlineContext) -> Found:
    """Open subject access requests: 7 days before the one-month deadline, and once overdue."""
    heads = context.users(Role.HEAD)
    if not context.concerns_reader(heads):
        return Found.all_of([])
    requests = SubjectAccessRequest.objects.filter(
        parent__school=context.school, status=SubjectAccessRequest.Status.OPEN, due_on__lte=context.horizon,
    ).order_by("due_on", "pk")
    path = reverse("incidents:subject_access_list")
    return context.found(requests, lambda request: Deadline(
        key=f"sar:{request.pk}", case=None, due_on=request.due_on,
        title="A subject access request must be answered",  # never the requester's name
        subject="The answer to a subject access request",
        recipients=heads, remind_on=(request.due_on - datetime.timedelta(days=SAR_WARNING_DAYS),
                                     request.due_on + ONE_DAY),
        path=path,
    ))


@deadline_source
def approved_letters_not_issued(context: DeadlineContext) -> Found:
    """Letters approved but not issued: due 2 school days after approval, reminded after that."""
    letters = (Letter.objects.filter(case__in=context.cases, status=Letter.Status.APPROVED, approved_at__isnull=False)
               .select_related("case").order_by("approved_at", "pk"))
    latest_start = context.latest_start(LETTER_ISSUE_SCHOOL_DAYS)
    if latest_start is not None:
        letters = letters.filter(approved_at__lt=latest_start)
    office = context.users(Role.OFFICE)

    def deadline(letter: Letter) -> Deadline:
        approved_on = timezone.localdate(letter.approved_at)
        return Deadline(
            key=f"letter-issue:{letter.pk}:{approved_on.isoformat()}", case=letter.case,
            due_on=context.school_days.after(approved_on, LETTER_ISSUE_SCHOOL_DAYS),
            title="An approved letter has not been issued yet", subject="Issuing an approved letter",
            recipients=office,
            remind_on=(context.school_days.after(approved_on, LETTER_ISSUE_SCHOOL_DAYS + 1),),
            path=reverse("incidents:letter_detail", args=[letter.pk]),
        )
    return context.found(letters, deadline)


# --- sources from decisions and sanctions ---------------------------------------------------

def _lead_and(context: DeadlineContext, case: Case, *roles: Role) -> tuple[User, ...]:
    people = {user.pk: user for user in context.users(*roles)}
    lead = case.lead  # None without a query when the case has no lead
    if lead is not None and lead.is_active:
        people[lead.pk] = lead
    return tuple(people.values())


@deadline_source
def representations_due(context: DeadlineContext) -> Found:
    """Provisional bans inviting written representations: 3 school days before the deadline, and on it."""
    bans = (Sanction.objects.filter(case__in=context.cases, kind=Sanction.Kind.BAN,
                                    state=Sanction.State.PROVISIONAL, representations_due__lte=context.horizon)
            .select_related("case__lead").order_by("representations_due", "pk"))
    return context.found(bans, lambda ban: Deadline(
        key=f"representations:{ban.pk}", case=ban.case, due_on=ban.representations_due,
        title="Written representations about a provisional ban are due",
        subject="Written representations about a provisional ban",
        recipients=_lead_and(context, ban.case, Role.HEAD),
        remind_on=(context.school_days.before(ban.representations_due, 3), ban.representations_due),
    ))


@deadline_source
def ban_reviews_due(context: DeadlineContext) -> Found:
    """Confirmed or varied bans: 14 days before the review date, and once it has passed."""
    bans = (Sanction.objects.filter(case__in=context.cases, kind=Sanction.Kind.BAN,
                                    state__in=[Sanction.State.CONFIRMED, Sanction.State.VARIED],
                                    review_on__lte=context.horizon)
            .select_related("case").order_by("review_on", "pk"))
    heads = context.users(Role.HEAD)
    return context.found(bans, lambda ban: Deadline(
        key=f"ban-review:{ban.pk}:{ban.review_on.isoformat()}", case=ban.case, due_on=ban.review_on,
        title="A site ban is due for review", subject="The review of a site ban", recipients=heads,
        remind_on=(ban.review_on - datetime.timedelta(days=14), ban.review_on + ONE_DAY),
    ))


@deadline_source
def meetings_tomorrow(context: DeadlineContext) -> Found:
    """Meetings the parent was invited to: a reminder the day before."""
    # The date is an ISO string in the step's details: compared as text, which orders ISO dates.
    invited = (SanctionStep.objects.filter(sanction__case__in=context.cases, sanction__kind=Sanction.Kind.MEETING,
                                           sanction__state=Sanction.State.INVITED, to_state=Sanction.State.INVITED)
               .annotate(meeting_on=Cast(KeyTextTransform("meeting_on", "details"), TextField()))
               .filter(meeting_on__gte=(context.today - ONE_DAY).isoformat(),
                       meeting_on__lt=(context.horizon + ONE_DAY).isoformat())
               .select_related("sanction__case__lead").order_by("meeting_on", "pk"))

    def deadline(step: SanctionStep) -> Deadline | None:
        # The query's annotation, within the window already (the filter above).
        meeting_on = _as_date(step.meeting_on)  # type: ignore[attr-defined]
        if meeting_on is None:
            return None
        return Deadline(
            key=f"meeting:{step.pk}", case=step.sanction.case, due_on=meeting_on,
            title="A meeting with a parent is tomorrow", subject="A meeting with a parent",
            recipients=_lead_and(context, step.sanction.case, Role.HEAD), remind_on=(meeting_on - ONE_DAY,),
        )
    return context.found(invited, deadline)


def _as_date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# Not yet a source: "any other dated task of a case". Agreed actions on contacts are free text
# without a date; when they gain one, a source in the shape above reminds the lead on the day.
