"""Reads for running the school: its school years and closures, the people who use Casebook, invitations."""

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.access.schools import members
from incidents.access.twofactor import needs_two_factor
from incidents.models import AdministrationEvent, Invitation, Membership, User
from incidents.roles import Role
from policies.models import School, TermHoliday
from policies.selectors import bank_holidays


@dataclass(frozen=True)
class SchoolYear:
    starts_on: datetime.date  # 1 September
    ends_on: datetime.date  # 31 August
    closures: list[TermHoliday]
    bank_holidays: list[tuple[datetime.date, str]]

    @property
    def label(self) -> str:
        return f"{self.starts_on.year}–{self.ends_on.year % 100:02d}"


def school_year_start(today: datetime.date) -> datetime.date:
    """1 September of the school year `today` falls in."""
    return datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def school_years(*, school: School, today: datetime.date, count: int = 2) -> list[SchoolYear]:
    """This school year and the next: the school's closures overlapping each, and its nation's bank
    holidays (from the `holidays` package, which needs no row) that fall on weekdays."""
    first = school_year_start(today)
    years = []
    for n in range(count):
        starts_on = first.replace(year=first.year + n)
        ends_on = datetime.date(starts_on.year + 1, 8, 31)
        closures = list(TermHoliday.objects.filter(school=school, ends_on__gte=starts_on, starts_on__lte=ends_on))
        known = bank_holidays(nation=school.nation)
        days = [(day, str(known.get(day))) for day in _days(starts_on, ends_on) if day in known and day.weekday() < 5]
        years.append(SchoolYear(starts_on=starts_on, ends_on=ends_on, closures=closures, bank_holidays=days))
    return years


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def active_administrators(*, school: School) -> QuerySet[User]:
    return members(school, Role.ADMIN).filter(is_active=True)


@dataclass(frozen=True)
class Colleague:
    user: User
    roles: list[str]
    state: str  # in words: "Active", "Invited", "Invitation expired", "Deactivated"
    invitation: Invitation | None
    has_two_factor: bool
    needs_two_factor: bool


def _state(user: User, invitation: Invitation | None) -> str:
    if not user.is_active:
        return "Deactivated"
    if user.has_usable_password():
        return "Active"
    if invitation is not None and invitation.is_open:
        return "Invited"
    return "Invitation expired" if invitation is not None and invitation.withdrawn_at is None else "No password yet"


def colleagues(*, school: School) -> list[Colleague]:
    """Everyone at the school, by name, with their roles there and where they stand; never by username."""
    users = (members(school).order_by("-is_active", "last_name", "first_name", "email")
             .prefetch_related(Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at"))))
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    return [colleague_of(user, has_two_factor=user.pk in with_device) for user in users]


def colleague_of(user: User, *, has_two_factor: bool | None = None) -> Colleague:
    invitation = next(iter(user.invitations.all()), None)
    if has_two_factor is None:
        has_two_factor = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    roles = [role.label for role in Role if user.has_role(role)]
    return Colleague(user=user, roles=[str(label) for label in roles], state=_state(user, invitation),
                     invitation=invitation, has_two_factor=has_two_factor, needs_two_factor=needs_two_factor(user))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_open(*, token: str) -> Invitation | None:
    """The invitation this link opens, or None when it is unknown, used, sent again, withdrawn, expired,
    or its colleague was deactivated."""
    if not token or len(token) > 100:
        return None
    invitation = Invitation.objects.select_related("user").filter(token_digest=token_digest(token)).first()
    if invitation is None or not invitation.is_open or not invitation.user.is_active:
        return None
    return invitation


def administration_events(*, school: School, about: User | None = None,
                          limit: int = 200) -> QuerySet[AdministrationEvent]:
    """The school's own settings and users history (of one colleague, `about`): what was done at it, and
    what concerned only the account of one of its members (a password chosen from an invitation).
    Never what was done at another school."""
    members = Membership.objects.filter(school=school).values("user_id")
    events = AdministrationEvent.objects.filter(Q(school=school) | Q(school__isnull=True, user__in=members))
    if about is not None:
        events = events.filter(user=about)
    return events.select_related("by", "user")[:limit]
