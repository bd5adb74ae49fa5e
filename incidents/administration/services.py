"""Running the school: preparing a new installation (the school, Casebook's default policy, ladder and
letters, the first administrator), its settings and term dates, and the people who use Casebook.

No demo data here: that is seed_demo's, on development machines only. Every change made here adds an
AdministrationEvent (who, what, when, in words); the school profile also keeps its simple-history rows.
"""

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from incidents.access.services import two_factor_reset
from incidents.administration.selectors import active_administrators, school_year_start, token_digest
from incidents.inputs import date_in_range
from incidents.models import (
    AdministrationEvent,
    Invitation,
    Membership,
    Notification,
    TrustMembership,
    TwoFactorReset,
    User,
)
from incidents.notifications import emails
from incidents.notifications.services import notification_queue
from incidents.roles import Role, ensure_role_groups
from policies.defaults import load_defaults
from policies.models import School, TermHoliday
from policies.selectors import school_code_suggested

INVITATION_DAYS = 7
Action = AdministrationEvent.Action

NAME_LENGTH = School._meta.get_field("name").max_length


class SetupRefused(Exception):
    """This installation already serves another school, or another first administrator was named."""


@dataclass
class SchoolSetup:
    school: School
    administrator: User
    created: list[str] = field(default_factory=list)  # in words; empty when nothing had to be done
    policy_in_force_from: datetime.date | None = None


def _record(*, action: str, by: User | None, school: School | None, summary: str, user: User | None = None,
            data: dict | None = None) -> AdministrationEvent:
    return AdministrationEvent.objects.create(action=action, by=by, school=school, user=user, summary=summary,
                                              data=data or {})


def _acting_for(user: User | None) -> School | None:
    """The school an event belongs to when it is about a person rather than a school: the one in hand."""
    return user.school_in_hand if user is not None else None


def _who(by: User | None) -> str:
    return by.display_name if by is not None else "the server's command line"


def _clean(name: str, admin_email: str) -> tuple[str, str]:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("The school's name is empty.")
    if NAME_LENGTH is not None and len(name) > NAME_LENGTH:
        raise ValidationError(f"The school's name is longer than {NAME_LENGTH} characters.")
    email = admin_email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"'{admin_email}' is not an e-mail address.") from None
    return name, email


@transaction.atomic
def school_setup(*, name: str, admin_email: str, code: str = "", today: datetime.date | None = None,
                 another: bool = False) -> SchoolSetup:
    """Set up a new installation for one school, or with `another` add a school to an installation that
    serves others (a trust's or a local authority's). Idempotent: run again with the same name and
    e-mail, it changes nothing.

    Writes: the School (name and short code, `code` or one made from the name: the rest of the profile is
    the administrator's to fill in);
    through policies.defaults.load_defaults, the nine letter templates, the ladder of responses and the
    default code of conduct, adopted from the start of the current school year so that incidents from
    earlier this year fall under it; the role groups; and the administrator (username = e-mail, staff,
    Administrator role, an unusable password until one is set). A user who already has that e-mail is
    given the role and keeps their password. Raises ValidationError on a bad name or e-mail, and
    SetupRefused when a school exists that is not this one with this administrator (without `another`),
    or when `another` names a school already here with another administrator. The new school's
    administrator is a member of it only (an existing user keeps their other schools). Called by
    `manage.py setup_school` only.
    """
    name, email = _clean(name, admin_email)
    today = today or datetime.date.today()
    school = School.objects.order_by("pk").first()
    user = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by("pk").first()
    if another:
        school = School.objects.filter(name__iexact=name).first()
        if school is not None:
            if user is not None and Membership.objects.filter(user=user, school=school,
                                                              roles__name=Role.ADMIN.value).exists():
                return SchoolSetup(school=school, administrator=user)
            raise SetupRefused(f"This installation already has a school called '{school.name}', and {email} is "
                               "not one of its administrators.")
    elif school is not None:
        if (school.name.casefold() == name.casefold() and user is not None and user.has_role(Role.ADMIN)
                and School.objects.count() == 1):
            return SchoolSetup(school=school, administrator=user)
        raise SetupRefused(
            f"This installation already has a school, '{school.name}'"
            + (f", and {email} is not one of its administrators" if school.name.casefold() == name.casefold()
               else "") + ". setup_school only prepares a new, empty installation; change the school's profile "
            "and add people through Casebook itself. To add another school to this installation, pass --add-school.")

    school = School(name=name, code=code.strip().upper() or school_code_suggested(name=name), address="",
                    head_teacher_name="")
    try:
        school.full_clean(exclude=["address", "head_teacher_name"])
    except ValidationError as error:
        raise ValidationError(error.message_dict.get("code", error.messages)) from None
    school.save()
    adopted_on = school_year_start(today)
    defaults = load_defaults(school=school, today=adopted_on)
    created = [f"school '{school.name}'"]
    for kind, label in (("letter template", "letter templates"), ("response", "rungs of the ladder of responses")):
        count = sum(1 for item in defaults if item.startswith(kind + " "))
        if count:
            created.append(f"{count} {label}")
    created += [f"the default {item} in force from {adopted_on:%-d %B %Y}" for item in defaults
                if item.startswith("policy ")]

    ensure_role_groups()
    if user is None:
        user = User(username=email, email=email, is_staff=True)
        user.set_unusable_password()
        user.save()
        created.append(f"administrator {email}, with no password yet")
    else:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        created.append(f"the Administrator role for {user.get_username()}, who keeps their password")
    Membership.objects.get_or_create(user=user, school=school)[0].roles.add(Group.objects.get(name=Role.ADMIN.value))
    return SchoolSetup(school=school, administrator=user, created=created, policy_in_force_from=adopted_on)


# --- the school's settings --------------------------------------------------------------------------

PROFILE_FIELDS = ("name", "code", "address", "postcode", "phone", "email", "website", "logo", "head_teacher_name",
                  "chair_of_governors_name", "safeguarding_lead_name")
# The public report form's switch (incidents.reporting) counts as a rule: how the school works, not its letterhead.
RULE_FIELDS = ("nation", "representation_school_days", "retention_years", "evidence_max_mb", "online_reporting")


def _shown(school: School, name: str) -> str:
    if name == "nation":
        return school.get_nation_display()
    if name == "online_reporting":
        return "on" if school.online_reporting else "off"
    value = getattr(school, name)
    return value.name if name == "logo" else str(value)


@transaction.atomic
def school_settings_change(*, school: School, by: User, changes: dict[str, object]) -> AdministrationEvent | None:
    """Change fields of the school profile (PROFILE_FIELDS) or its rules (RULE_FIELDS). A new logo is an
    UploadedFile already checked by content (SchoolProfileForm); its SHA-256 is recorded.

    Writes: the School (a simple-history row naming `by`), the logo file under MEDIA_ROOT/school/, and
    one AdministrationEvent listing each changed field from → to. Returns None, writing nothing, when
    nothing changed. Called by the settings pages, for administrators only.
    """
    unknown = set(changes) - set(PROFILE_FIELDS) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"Not a setting: {', '.join(sorted(unknown))}")
    school = School.objects.select_for_update().get(pk=school.pk)
    changed: dict[str, list[str]] = {}
    logo_digest = ""
    for name, value in changes.items():
        if name == "logo":
            if not isinstance(value, UploadedFile):
                continue  # the form leaves the current logo as it is
            value.seek(0)
            logo_digest = hashlib.sha256(value.read()).hexdigest()
            value.seek(0)
        elif getattr(school, name) == value:
            continue
        before = _shown(school, name)
        setattr(school, name, value)
        changed[name] = [before, "" if name == "logo" else _shown(school, name)]
    if not changed:
        return None
    if "code" in changed and school.cases.exists():
        raise ValidationError("The short code cannot change once the school has cases: their references carry it.")
    action = Action.RULES_CHANGED if set(changed) <= set(RULE_FIELDS) else Action.PROFILE_CHANGED
    school._history_user = by  # type: ignore[attr-defined]  # read by simple_history
    school._change_reason = f"{Action(action).label} by {by.display_name}"[:100]  # type: ignore[attr-defined]
    school.save()
    if "logo" in changed:
        changed["logo"][1] = school.logo.name
    labels = [str(getattr(School._meta.get_field(name), "verbose_name", name)) for name in changed]
    return _record(action=action, by=by, school=school, summary=f"{_who(by)} changed: {', '.join(labels)}.",
                   data={"changed": changed, **({"logo_sha256": logo_digest} if logo_digest else {})})


def _check_closure(name: str, starts_on: datetime.date, ends_on: datetime.date) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Name the closure (for example, “Christmas holiday” or “INSET day”).")
    for day in (starts_on, ends_on):
        date_in_range(day)
    if ends_on < starts_on:
        raise ValidationError(f"The last day ({ends_on:%-d %B %Y}) is before the first ({starts_on:%-d %B %Y}).")
    if (ends_on - starts_on).days > 366:
        raise ValidationError("A closure longer than a year is not a holiday: check the dates.")
    return name


@transaction.atomic
def term_closure_add(*, school: School, name: str, starts_on: datetime.date, ends_on: datetime.date,
                     by: User) -> TermHoliday:
    """Add days the school is closed (a holiday, an INSET day): deadlines in school days skip them.

    Raises ValidationError on an empty name, a year outside 1900–2099, or a last day before the first.
    Writes: a TermHoliday and an AdministrationEvent. Called by the term dates page (administrators).
    """
    name = _check_closure(name, starts_on, ends_on)
    closure = TermHoliday.objects.create(school=school, name=name, starts_on=starts_on, ends_on=ends_on)
    _record(action=Action.TERM_DATES_ADDED, by=by, school=school,
            summary=f"{_who(by)} added {closure}.",
            data={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})
    return closure


@transaction.atomic
def term_closure_remove(*, closure: TermHoliday, by: User) -> None:
    """Remove a closure entered by mistake; what it was is kept in the AdministrationEvent.

    Deadlines already worked out keep their dates. Writes: deletes the TermHoliday, adds an
    AdministrationEvent. Called by the term dates page (administrators).
    """
    _record(action=Action.TERM_DATES_REMOVED, by=by, school=closure.school, summary=f"{_who(by)} removed {closure}.",
            data={"name": closure.name, "starts_on": closure.starts_on.isoformat(),
                  "ends_on": closure.ends_on.isoformat()})
    closure.delete()


# --- the people who use Casebook --------------------------------------------------------------------

def _roles_in_words(roles: Iterable[Role]) -> str:
    return ", ".join(str(Role(role).label) for role in roles) or "no role"


def _set_roles(user: User, roles: list[Role], *, school: School) -> None:
    """Exactly these roles at `school` (a membership made if needed); their roles elsewhere stay."""
    ensure_role_groups()
    membership, _ = Membership.objects.get_or_create(user=user, school=school)
    membership.roles.set(Group.objects.filter(name__in=[Role(role).value for role in roles]))
    # Django's admin is for administrators (of any school); a superuser made on the command line stays one.
    user.is_staff = user.is_superuser or Membership.objects.filter(user=user, roles__name=Role.ADMIN.value).exists()
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_only_school", None)
    user.at(school)  # the cached roles are stale now


def _invitation_new(*, user: User, by: User | None) -> tuple[Invitation, str]:
    """A new link for `user`; every earlier link of theirs stops working."""
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at=None, withdrawn_at=None).update(withdrawn_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(user=user, token_digest=token_digest(token), invited_by=by,
                                           created_at=now, expires_at=now + datetime.timedelta(days=INVITATION_DAYS))
    return invitation, token


def invitation_link(token: str) -> str:
    return emails.site_link(reverse("invitation_accept", kwargs={"token": token}))


def _invitation_send(*, user: User, token: str, by: User | None) -> None:
    school = by.school_in_hand if by is not None else user.school_in_hand
    notification_queue(recipient=user, kind=Notification.Kind.INVITATION, at_once=True,
                       email=emails.invitation(link=invitation_link(token), school_name=school.name if school else "",
                                               invited_by=by.display_name if by else "", days=INVITATION_DAYS))


def _check_roles(roles: Iterable[Role]) -> list[Role]:
    roles = [Role(role) for role in roles]
    if not roles:
        raise ValidationError("Choose at least one role. To stop someone using Casebook, deactivate them instead.")
    return roles


@transaction.atomic
def user_invite(*, email: str, first_name: str, last_name: str, roles: Iterable[Role], by: User) -> User:
    """Invite a colleague: an account with their roles and no password, and an e-mail with a one-time link
    (good for INVITATION_DAYS days) to choose one. Roles that need a second factor set it up at the first
    sign-in (the two-factor middleware applies as to anyone).

    Someone who already uses Casebook at another school (a colleague working in two) becomes a member of
    this one with these roles, and keeps their password: no link is sent unless they never chose one.

    Raises ValidationError for a bad e-mail, no role, or an e-mail that already has an account here.
    Writes: the User (username = e-mail), their role groups, an Invitation, the e-mail (outbox, at once)
    and an AdministrationEvent. Called by the users page (administrators).
    """
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{email}” is not an e-mail address.") from None
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    if not (first_name and last_name):
        raise ValidationError("Give the colleague's first and last names: records show who did what by name.")
    roles = _check_roles(roles)
    school = _school_of(by)
    user = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by("pk").first()
    if user is not None and (user.memberships.filter(school=school).exists() or not user.is_active):
        raise ValidationError(f"{email} already has an account: change their roles on their page instead.")
    if user is None:
        user = User(username=email, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.save()
    _set_roles(user, roles, school=school)
    if not user.has_usable_password():
        _, token = _invitation_new(user=user, by=by)
        _invitation_send(user=user, token=token, by=by)
    _record(action=Action.USER_INVITED, by=by, school=school, user=user,
            summary=f"{_who(by)} invited {user.display_name} ({email}) as {_roles_in_words(roles)}.",
            data={"email": email, "roles": [role.value for role in roles]})
    return user


def _not_joined(user: User) -> None:
    if user.has_usable_password():
        raise ValidationError(f"{user.display_name} has already chosen a password. Someone who forgot theirs "
                              "resets it from the sign-in page.")
    if not user.is_active:
        raise ValidationError(f"{user.display_name} is deactivated: reactivate them first.")


@transaction.atomic
def invitation_resend(*, user: User, by: User) -> Invitation:
    """Send a colleague who has not joined yet a new link; the earlier one stops working.

    Writes: an Invitation (the earlier ones marked withdrawn), the e-mail, an AdministrationEvent.
    Called by the users page (administrators).
    """
    _not_joined(user)
    invitation, token = _invitation_new(user=user, by=by)
    _invitation_send(user=user, token=token, by=by)
    _record(action=Action.INVITATION_RESENT, by=by, school=_acting_for(by), user=user,
            summary=f"{_who(by)} sent {user.display_name} a new invitation.")
    return invitation


@transaction.atomic
def invitation_withdraw(*, user: User, by: User) -> None:
    """Withdraw the open invitation of a colleague who has not joined: its link stops working.

    Writes: marks the Invitations withdrawn, adds an AdministrationEvent. Called by the users page.
    """
    open_ones = Invitation.objects.filter(user=user, used_at=None, withdrawn_at=None)
    withdrawn = open_ones.update(withdrawn_at=timezone.now())
    if not withdrawn:
        raise ValidationError(f"{user.display_name} has no invitation waiting.")
    _record(action=Action.INVITATION_WITHDRAWN, by=by, school=_acting_for(by), user=user,
            summary=f"{_who(by)} withdrew the invitation of {user.display_name}.")


class InvitationInvalid(Exception):
    """The link is unknown, used, replaced, withdrawn or out of date."""


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the password of the colleague a link invites, once. The password was checked by Django's
    password rules (SetPasswordForm). It does not sign them in: they sign in with it, and roles that need
    a second factor then set it up before anything else.

    Raises InvitationInvalid when the link does not (or no longer) work. Writes: the user's password,
    the Invitation used (every other open one of theirs withdrawn), an AdministrationEvent.
    Called by the invitation page, which anyone holding the link may open.
    """
    invitation = (Invitation.objects.select_for_update().select_related("user")
                  .filter(token_digest=token_digest(token)).first())
    if invitation is None or not invitation.is_open or not invitation.user.is_active:
        raise InvitationInvalid
    now = timezone.now()
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    Invitation.objects.filter(user=user, used_at=None, withdrawn_at=None).update(withdrawn_at=now)
    _record(action=Action.INVITATION_ACCEPTED, by=user, school=None, user=user,
            summary=f"{user.display_name} chose a password from their invitation.")
    return user


def _school_of(by: User) -> School:
    """The school an administrator is acting for: the one in hand."""
    school = by.school_in_hand
    if school is None:
        raise PermissionDenied("Choose the school you are acting for first.")
    return school


def _refuse_losing_the_last_administrator(user: User, what: str, *, school: School) -> None:
    if user.at(school).has_role(Role.ADMIN) and not active_administrators(school=school).exclude(pk=user.pk).exists():
        raise ValidationError(f"{user.display_name} is the last administrator: {what} would leave no one able to "
                              "change the settings or the users. Invite another administrator first.")


@transaction.atomic
def user_roles_change(*, user: User, roles: Iterable[Role], by: User) -> AdministrationEvent | None:
    """Give a colleague exactly these roles at the administrator's school in hand (one person may hold
    several: a deputy head who leads investigations and is the Safeguarding lead). Refuses no role at
    all, and taking the Administrator role from the last active administrator.

    Writes: the user's role groups and is_staff, an AdministrationEvent (before and after). Returns None
    when nothing changed. Called by the user's page (administrators).
    """
    roles = _check_roles(roles)
    school = _school_of(by)
    user = User.objects.select_for_update().get(pk=user.pk).at(school)
    before = [role for role in Role if user.has_role(role)]
    if set(before) == set(roles):
        return None
    if Role.ADMIN in before and Role.ADMIN not in roles:
        _refuse_losing_the_last_administrator(user, "taking their Administrator role", school=school)
    _set_roles(user, roles, school=school)
    return _record(action=Action.ROLES_CHANGED, by=by, school=school, user=user,
                   summary=f"{_who(by)} changed the roles of {user.display_name} from {_roles_in_words(before)} "
                           f"to {_roles_in_words(roles)}.",
                   data={"before": [role.value for role in before], "after": [role.value for role in roles]})


@transaction.atomic
def user_deactivate(*, user: User, by: User) -> bool:
    """Stop a colleague using Casebook at the administrator's school. Never a deletion: their name stays
    on everything they did.

    Someone who also works at another school, or holds a trust role (given by a superuser), keeps their
    account for it: only their membership here ends (their roles here with it); the other school's
    administrators are not overruled. Only when no
    membership is left is the account deactivated: their open invitations stop working and their
    sessions end (Django refuses an inactive user on the next request). Refuses an administrator
    deactivating themselves, and the last active administrator. Returns whether the account itself was
    deactivated.

    Writes: the Membership, or is_active and the Invitations; an AdministrationEvent. Called by the
    user's page (administrators).
    """
    if user.pk == by.pk:
        raise PermissionDenied("You cannot deactivate yourself: ask another administrator.")
    school = _school_of(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return False
    _refuse_losing_the_last_administrator(user, "deactivating them", school=school)
    elsewhere = (Membership.objects.filter(user=user).exclude(school=school).exists()
                 or TrustMembership.objects.filter(user=user).exists())
    if elsewhere:
        Membership.objects.filter(user=user, school=school).delete()
        _record(action=Action.MEMBERSHIP_ENDED, by=by, school=school, user=user,
                summary=f"{_who(by)} ended {user.display_name}'s membership of {school.name}; their account stays "
                        "open for their other school or their trust role.", data={"school": school.code})
        return False
    user.is_active = False
    user.save(update_fields=["is_active"])
    Invitation.objects.filter(user=user, used_at=None, withdrawn_at=None).update(withdrawn_at=timezone.now())
    _record(action=Action.USER_DEACTIVATED, by=by, school=school, user=user,
            summary=f"{_who(by)} deactivated {user.display_name}.")
    return True


@transaction.atomic
def user_reactivate(*, user: User, by: User) -> None:
    """Let a deactivated colleague sign in again, with the roles they had.

    Writes: is_active, an AdministrationEvent. Called by the user's page (administrators).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    _record(action=Action.USER_REACTIVATED, by=by, school=_acting_for(by), user=user,
            summary=f"{_who(by)} reactivated {user.display_name}.")


@transaction.atomic
def user_two_factor_reset(*, user: User, by: User, reason: str) -> TwoFactorReset:
    """An administrator resets a colleague's lost second factor from Casebook's users page.

    The reset itself is incidents.access.services.two_factor_reset (recorded with the reason, the person
    e-mailed, refused for one's own); this adds the AdministrationEvent.
    """
    reset = two_factor_reset(user=user, by=by, reason=reason, channel=TwoFactorReset.Channel.ADMIN)
    _record(action=Action.TWO_FACTOR_RESET, by=by, school=_acting_for(by), user=user,
            summary=f"{_who(by)} reset the two-factor sign-in of {user.display_name}: {reset.reason}",
            data={"reason": reset.reason, "devices_removed": reset.devices_removed})
    return reset


@transaction.atomic
def administrator_first_link(*, administrator: User) -> str | None:
    """The one-time link for the first administrator to choose a password (setup_school), or None when they
    already have one. A new link each time: any earlier one stops working.

    Writes: an Invitation and an AdministrationEvent (by: nobody, the command line).
    """
    if administrator.has_usable_password():
        return None
    _, token = _invitation_new(user=administrator, by=None)
    _record(action=Action.USER_INVITED, by=None, school=_acting_for(administrator), user=administrator,
            summary=f"The server's command line made a one-time link for {administrator.get_username()} "
                    "to choose a password.")
    return invitation_link(token)
