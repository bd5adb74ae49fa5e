"""Who may read and who may change the school's configuration. One place, used by views and tests."""

from incidents.models import User
from incidents.roles import Role


def holds_a_staff_role(user: User) -> bool:
    """Any of the six roles: every member of staff reads the adopted policy."""
    return user.is_authenticated and bool(user.role_names & {role.value for role in Role})


def may_administer_policies(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN)


def may_preview_letters(user: User) -> bool:
    return user.is_authenticated and (user.has_role(Role.ADMIN) or user.has_role(Role.HEAD))
