"""Preparing a new installation: the school, Casebook's default policy, ladder and letters, and the first
administrator. No demo data: that is seed_demo's, on development machines only."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from incidents.models import User
from incidents.roles import Role, ensure_role_groups
from policies.defaults import load_defaults
from policies.models import School

NAME_LENGTH = School._meta.get_field("name").max_length


class SetupRefused(Exception):
    """This installation already serves another school, or another first administrator was named."""


@dataclass
class SchoolSetup:
    school: School
    administrator: User
    created: list[str] = field(default_factory=list)  # in words; empty when nothing had to be done
    policy_in_force_from: datetime.date | None = None


def start_of_school_year(today: datetime.date) -> datetime.date:
    """1 September of the school year `today` falls in."""
    return datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


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
def school_setup(*, name: str, admin_email: str, today: datetime.date | None = None) -> SchoolSetup:
    """Set up a new installation for one school. Idempotent: run again with the same name and e-mail,
    it changes nothing.

    Writes: the School (name only: the rest of the profile is the administrator's to fill in);
    through policies.defaults.load_defaults, the nine letter templates, the ladder of responses and the
    default code of conduct, adopted from the start of the current school year so that incidents from
    earlier this year fall under it; the role groups; and the administrator (username = e-mail, staff,
    Administrator role, an unusable password until one is set). A user who already has that e-mail is
    given the role and keeps their password. Raises ValidationError on a bad name or e-mail, and
    SetupRefused when a school exists that is not this one with this administrator. Called by
    `manage.py setup_school` only.
    """
    name, email = _clean(name, admin_email)
    today = today or datetime.date.today()
    school = School.objects.order_by("pk").first()
    user = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by("pk").first()
    if school is not None:
        if (school.name.casefold() == name.casefold() and user is not None and user.has_role(Role.ADMIN)
                and School.objects.count() == 1):
            return SchoolSetup(school=school, administrator=user)
        raise SetupRefused(
            f"This installation already has a school, '{school.name}'"
            + (f", and {email} is not one of its administrators" if school.name.casefold() == name.casefold()
               else "") + ". setup_school only prepares a new, empty installation; change the school's profile "
            "and add people through Casebook itself.")

    school = School.objects.create(name=name, address="", head_teacher_name="")
    adopted_on = start_of_school_year(today)
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
    user.groups.add(Group.objects.get(name=Role.ADMIN.value))
    return SchoolSetup(school=school, administrator=user, created=created, policy_in_force_from=adopted_on)
