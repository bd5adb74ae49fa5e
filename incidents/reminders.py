"""Deadlines: a registry of small "deadline sources", read by the daily reminder job and the home page.

A source is a function taking a `DeadlineContext` and returning plain `Deadline` records for
everything still open that falls due within `LOOKAHEAD_DAYS` (or is already overdue). It does
not send anything nor decide who may see a case: the daily job (services.reminders_send) sends
each reminder stage once per person who may see the case, and the home page lists a deadline
only for a case the user may see.

To add a source: write a function and decorate it with `@deadline_source`.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from incidents.models import Case, CaseEvent, Letter, Sanction, SanctionStep, SubjectAccessRequest, User
from incidents.roles import Role
from policies.models import School
from policies.selectors import REVIEW_WARNING_DAYS, SchoolDays, adopted_policy

LOOKAHEAD_DAYS = 30  # the furthest any source looks ahead (the policy review warning)
DECISION_WAIT_SCHOOL_DAYS = 5
LETTER_ISSUE_SCHOOL_DAYS = 2
SAR_WARNING_DAYS = 7
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    """Something that falls due. `key` names the event ("sar:12"); `remind_on` lists the days a
    reminder goes out (a stage each); `recipients` are who should be reminded, before the
    check of who may see the case. `title` names no person: it goes into e-mails."""

    key: str
    case: Case | None
    due_on: datetime.date
    title: str
    recipients: tuple[User, ...]
    remind_on: tuple[datetime.date, ...] = ()
    path: str = ""

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
        return self.due_on + ONE_DAY


@dataclass
class DeadlineContext:
    school: School
    today: datetime.date
    _role_users: dict = field(default_factory=dict)

    @cached_property
    def school_days(self) -> SchoolDays:
        # Far enough back for the oldest case still waiting; holidays that ended earlier don't matter.
        return SchoolDays(self.school, self.today - datetime.timedelta(days=400))

    def users(self, *roles: Role) -> tuple[User, ...]:
        """Active users holding any of these roles (one query per role, per run)."""
        found: dict[int, User] = {}
        for role in roles:
            if role not in self._role_users:
                self._role_users[role] = list(User.objects.filter(is_active=True, groups__name=role.value)
                                              .order_by("pk"))
            found.update({user.pk: user for user in self._role_users[role]})
        return tuple(found.values())

    @property
    def horizon(self) -> datetime.date:
        return self.today + datetime.timedelta(days=LOOKAHEAD_DAYS)


DeadlineSource = Callable[[DeadlineContext], Iterable[Deadline]]
SOURCES: list[DeadlineSource] = []


def deadline_source(source: DeadlineSource) -> DeadlineSource:
    """Register a source with the daily job and the home page."""
    SOURCES.append(source)
    return source


def deadlines(*, school: School, today: datetime.date, context: DeadlineContext | None = None) -> list[Deadline]:
    """Every open deadline of the school from every source, soonest first."""
    context = context or DeadlineContext(school=school, today=today)
    found = [deadline for source in SOURCES for deadline in source(context)]
    return sorted(found, key=lambda d: (d.due_on, d.key))


# --- the sources ------------------------------------------------------------------------------------

@deadline_source
def policy_review_due(context: DeadlineContext) -> Iterable[Deadline]:
    """The adopted policy's review date: 30 days before, and once it has passed."""
    version = adopted_policy(school=context.school)
    if version is None or version.review_on is None or version.review_on > context.horizon:
        return []
    review_on = version.review_on
    return [Deadline(
        key=f"policy-review:{version.pk}", case=None, due_on=review_on,
        title="The code of conduct is due for review",
        recipients=context.users(Role.HEAD, Role.ADMIN),
        remind_on=(review_on - datetime.timedelta(days=REVIEW_WARNING_DAYS), review_on + ONE_DAY),
        path=reverse("policies:policy"),
    )]


@deadline_source
def decisions_waiting(context: DeadlineContext) -> Iterable[Deadline]:
    """Cases awaiting the Head Teacher's decision: due 5 school days after they began waiting
    (the time of the status event in the timeline); reminded once they have waited longer."""
    since = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind=CaseEvent.Kind.STATUS, data__to=Case.Status.AWAITING_DECISION,
    ).order_by("-at").values("at")[:1]
    cases = (Case.objects.filter(school=context.school, status=Case.Status.AWAITING_DECISION)
             .annotate(waiting_since=Subquery(since)).order_by("pk"))
    heads = context.users(Role.HEAD)
    found = []
    for case in cases:
        start = timezone.localdate(case.waiting_since) if case.waiting_since else context.today
        due_on = context.school_days.after(start, DECISION_WAIT_SCHOOL_DAYS)
        found.append(Deadline(
            key=f"decision:{case.pk}:{start.isoformat()}", case=case, due_on=due_on,
            title="A case has been waiting for a decision for more than 5 school days",
            recipients=heads, remind_on=(context.school_days.after(start, DECISION_WAIT_SCHOOL_DAYS + 1),),
        ))
    return found


@deadline_source
def subject_access_requests_due(context: DeadlineContext) -> Iterable[Deadline]:
    """Open subject access requests: 7 days before the one-month deadline, and once overdue."""
    requests = SubjectAccessRequest.objects.filter(
        parent__school=context.school, status=SubjectAccessRequest.Status.OPEN, due_on__lte=context.horizon,
    ).order_by("due_on", "pk")
    heads = context.users(Role.HEAD)
    path = reverse("incidents:subject_access_list")
    return [Deadline(
        key=f"sar:{request.pk}", case=None, due_on=request.due_on,
        title="A subject access request must be answered",  # never the requester's name
        recipients=heads, remind_on=(request.due_on - datetime.timedelta(days=SAR_WARNING_DAYS),
                                     request.due_on + ONE_DAY),
        path=path,
    ) for request in requests]


@deadline_source
def approved_letters_not_issued(context: DeadlineContext) -> Iterable[Deadline]:
    """Letters approved but not issued: due 2 school days after approval, reminded after that."""
    letters = (Letter.objects.filter(case__school=context.school, status=Letter.Status.APPROVED,
                                     approved_at__isnull=False)
               .select_related("case").order_by("approved_at", "pk"))
    office = context.users(Role.OFFICE)
    found = []
    for letter in letters:
        approved_on = timezone.localdate(letter.approved_at)
        found.append(Deadline(
            key=f"letter-issue:{letter.pk}:{approved_on.isoformat()}", case=letter.case,
            due_on=context.school_days.after(approved_on, LETTER_ISSUE_SCHOOL_DAYS),
            title="An approved letter has not been issued yet",
            recipients=office,
            remind_on=(context.school_days.after(approved_on, LETTER_ISSUE_SCHOOL_DAYS + 1),),
            path=reverse("incidents:letter_detail", args=[letter.pk]),
        ))
    return found


# --- sources from decisions and sanctions (issue 5) ---------------------------------------------------

def _lead_and(context: DeadlineContext, case: Case, *roles: Role) -> tuple[User, ...]:
    people = {user.pk: user for user in context.users(*roles)}
    if case.lead_id and case.lead.is_active:
        people[case.lead_id] = case.lead
    return tuple(people.values())


@deadline_source
def representations_due(context: DeadlineContext) -> Iterable[Deadline]:
    """Provisional bans inviting written representations: 3 school days before the deadline, and on it."""
    bans = (Sanction.objects.filter(case__school=context.school, kind=Sanction.Kind.BAN,
                                    state=Sanction.State.PROVISIONAL, representations_due__lte=context.horizon)
            .exclude(representations_due__isnull=True).select_related("case__lead").order_by("representations_due"))
    return [Deadline(
        key=f"representations:{ban.pk}", case=ban.case, due_on=ban.representations_due,
        title="Written representations about a provisional ban are due",
        recipients=_lead_and(context, ban.case, Role.HEAD),
        remind_on=(context.school_days.before(ban.representations_due, 3), ban.representations_due),
    ) for ban in bans]


@deadline_source
def ban_reviews_due(context: DeadlineContext) -> Iterable[Deadline]:
    """Confirmed or varied bans: 14 days before the review date, and once it has passed."""
    bans = (Sanction.objects.filter(case__school=context.school, kind=Sanction.Kind.BAN,
                                    state__in=[Sanction.State.CONFIRMED, Sanction.State.VARIED],
                                    review_on__lte=context.horizon)
            .select_related("case").order_by("review_on"))
    heads = context.users(Role.HEAD)
    return [Deadline(
        key=f"ban-review:{ban.pk}:{ban.review_on.isoformat()}", case=ban.case, due_on=ban.review_on,
        title="A site ban is due for review", recipients=heads,
        remind_on=(ban.review_on - datetime.timedelta(days=14), ban.review_on + ONE_DAY),
    ) for ban in bans]


@deadline_source
def meetings_tomorrow(context: DeadlineContext) -> Iterable[Deadline]:
    """Meetings the parent was invited to: a reminder the day before."""
    invited = (SanctionStep.objects.filter(sanction__case__school=context.school, sanction__kind=Sanction.Kind.MEETING,
                                           sanction__state=Sanction.State.INVITED, to_state=Sanction.State.INVITED)
               .select_related("sanction__case__lead").order_by("pk"))
    found = []
    for step in invited:
        meeting_on = _as_date(step.details.get("meeting_on"))
        if meeting_on is None or not context.today - ONE_DAY <= meeting_on <= context.horizon:
            continue
        found.append(Deadline(
            key=f"meeting:{step.pk}", case=step.sanction.case, due_on=meeting_on,
            title="A meeting with a parent is tomorrow",
            recipients=_lead_and(context, step.sanction.case, Role.HEAD), remind_on=(meeting_on - ONE_DAY,),
        ))
    return found


def _as_date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# Not yet a source: "any other dated task of a case". Agreed actions on contacts are free text
# without a date; when they gain one, a source in the shape above reminds the lead on the day.
