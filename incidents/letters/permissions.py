"""Who may act on a letter of a case they can already see (seeing is decided by cases_visible_to)."""

from incidents.models import Case, User
from incidents.permissions import can_work_on_case
from incidents.roles import Role


def can_prepare_letter(user: User, case: Case) -> bool:
    return can_work_on_case(user, case)


def can_approve_letter(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.HEAD)


def can_issue_letter(user: User) -> bool:
    return user.is_authenticated and any(user.has_role(role) for role in (Role.OFFICE, Role.LEAD, Role.HEAD))
