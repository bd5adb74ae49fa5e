"""Who may do what. Who may *see* a case is decided in one place: visibility.cases_visible_to.

These predicates answer "may this user act on a case they can already see?".
"""

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects

from incidents.models import Case, Complaint, Sanction, SanctionStep, User
from incidents.roles import Role

CASE_WORKERS = (Role.LEAD, Role.HEAD)


def _has_any(user: User, *roles: Role) -> bool:
    return user.is_authenticated and any(user.has_role(role) for role in roles)


def can_see_cases(user: User) -> bool:
    """Every role but the administrator's works with cases (which ones: visibility.cases_visible_to)."""
    return _has_any(user, Role.OFFICE, Role.LEAD, Role.HEAD, Role.DSL, Role.GOVERNOR)


def can_log_concern(user: User) -> bool:
    return _has_any(user, Role.OFFICE, Role.LEAD, Role.HEAD)


def is_assigned(user: User, case: Case) -> bool:
    if case.lead_id == user.pk:
        return True
    # A page asks this several times (each check of what an office user may do): the case's
    # assignees are read once per case object and kept with it. Django drops them again when they
    # change (assignees.set/add/remove), so the answer never goes stale.
    prefetch_related_objects([case], "assignees")
    return any(assignee.pk == user.pk for assignee in case.assignees.all())


def can_work_on_case(user: User, case: Case) -> bool:
    """Gather information: statements, contacts, edits, status moves (leads, the Head, assigned staff)."""
    return _has_any(user, *CASE_WORKERS) or (_has_any(user, Role.OFFICE) and is_assigned(user, case))


def can_add_evidence(user: User, case: Case) -> bool:
    """Office staff attach evidence to cases they can see; so do leads and the Head."""
    return _has_any(user, Role.OFFICE, Role.LEAD, Role.HEAD)


def can_restrict_case(user: User) -> bool:
    return _has_any(user, Role.HEAD)


def can_assign_lead(user: User) -> bool:
    return _has_any(user, Role.HEAD, Role.LEAD)


def can_see_access_log(user: User) -> bool:
    """Who opened a restricted case, and when: the Head Teacher only (who restricts cases)."""
    return _has_any(user, Role.HEAD)


def can_lead(user: User) -> bool:
    """Who may lead an investigation: the investigating leads (the lead picker offers only them)."""
    return _has_any(user, Role.LEAD) and user.is_active


def can_handle_subject_access(user: User) -> bool:
    """Subject access requests cover every case about a person, restricted ones included."""
    return _has_any(user, Role.HEAD)

# --- recommendations, decisions, sanctions ----------------------------------------------

def can_recommend(user: User, case: Case) -> bool:
    return _has_any(user, Role.LEAD, Role.HEAD) and case.status == Case.Status.INVESTIGATING


def can_decide(user: User) -> bool:
    """Only the Head Teacher decides."""
    return _has_any(user, Role.HEAD)


def can_move_sanctions(user: User, case: Case) -> bool:
    """Carry out the responses decided (the ban's review and legal advice are checked again per step)."""
    return can_work_on_case(user, case)


def can_see_legal_advice(user: User) -> bool:
    return _has_any(user, Role.HEAD)


def can_refer_to_governors(user: User) -> bool:
    return _has_any(user, Role.HEAD)


def can_record_panel_outcome(user: User, complaint: Complaint) -> bool:
    """A governor on the complaint's panel, while it is with the panel; never the Head Teacher, whose
    handling is contested (complaints.panel_member_check is the same rule, raised)."""
    return (_has_any(user, Role.GOVERNOR) and not user.has_role(Role.HEAD)
            and complaint.state == Complaint.State.REFERRED
            and any(member.pk == user.pk for member in complaint.panel.all()))


# The steps of a ban that are its review by the Head Teacher, with the chair of governors.
BAN_REVIEW_STEPS = (Sanction.State.CONFIRMED, Sanction.State.VARIED, Sanction.State.LIFTED)


def can_record_review_participation(user: User, step: SanctionStep) -> bool:
    """The chair of governors records that they took part in a review of a ban (ban.py)."""
    return (user.is_authenticated and user.is_chair and step.sanction.kind == Sanction.Kind.BAN
            and step.to_state in BAN_REVIEW_STEPS)


def can_take_sanction_step(user: User, sanction, to: str) -> bool:
    """Mirrors the checks in services.sanction_transition, so the page offers only what will work."""
    state, kind = Sanction.State, Sanction.Kind
    if kind(sanction.kind) == kind.LEGAL or (
            sanction.kind == kind.BAN and to in (state.CONFIRMED, state.VARIED, state.LIFTED)):
        return _has_any(user, Role.HEAD)
    return can_move_sanctions(user, sanction.case)


# --- guards inside the services: the same rules, raised as PermissionDenied ---

def require_head(by: User, what: str) -> None:
    """Refuse anyone but the Head Teacher, naming what they tried to do."""
    if not by.has_role(Role.HEAD):
        raise PermissionDenied(f"Only the Head Teacher can {what}.")


def require_case_worker(by: User, case: Case, what: str) -> None:
    """Refuse anyone who may not work on this case (can_work_on_case, as the views use it)."""
    if not can_work_on_case(by, case):
        raise PermissionDenied(f"You cannot {what} on this case.")


def role_guard(test: Callable[[User], bool]) -> Callable[..., None]:
    """A guard for twofactor.recent_confirmation_required: 403 unless `test(user)`, before any password
    is asked."""

    def guard(request, *args, **kwargs) -> None:
        if not test(request.user):
            raise PermissionDenied

    return guard


def allowed_if(test: Callable[[User], bool]):
    """View decorator: 403 unless `test(user)`. Sign-in itself is required everywhere by
    LoginRequiredMiddleware; this adds the role check."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- letters of a case the user can already see ---
def can_prepare_letter(user: User, case: Case) -> bool:
    return can_work_on_case(user, case)


def can_approve_letter(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.HEAD)


def can_issue_letter(user: User) -> bool:
    return user.is_authenticated and any(user.has_role(role) for role in (Role.OFFICE, Role.LEAD, Role.HEAD))


def can_resend_email(user: User) -> bool:
    """Who sees the e-mails that were not sent and may try one again: the office, and the Head Teacher."""
    return user.is_authenticated and any(user.has_role(role) for role in (Role.OFFICE, Role.HEAD))


# --- the school's configuration: the policy, the ladder, letter templates ---
def holds_a_staff_role(user: User) -> bool:
    """Any of the six roles: every member of staff reads the adopted policy."""
    return user.is_authenticated and bool(user.role_names & {role.value for role in Role})


def may_administer_policies(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN)


def may_import_people(user: User) -> bool:
    """Bringing in parents, children and classes from the school's information system is administration."""
    return user.is_authenticated and user.has_role(Role.ADMIN)


def may_preview_letters(user: User) -> bool:
    return user.is_authenticated and (user.has_role(Role.ADMIN) or user.has_role(Role.HEAD))


def may_adopt_policy(user: User) -> bool:
    """The Head Teacher puts a new version of the policy in force (the final say on conduct rests with
    them); administrators prepare the draft."""
    return _has_any(user, Role.HEAD)


def may_read_policy_drafts(user: User) -> bool:
    """Drafts and their comparison with the version in force: those who write them and the one who adopts."""
    return _has_any(user, Role.ADMIN, Role.HEAD)


# --- running the school: its settings and the people who use Casebook ---
def may_change_settings(user: User) -> bool:
    """The school profile, term dates and rules, and who may use Casebook: administrators only."""
    return user.is_authenticated and user.has_role(Role.ADMIN)


def may_read_settings(user: User) -> bool:
    """The Head Teacher reads the settings (and their history) without changing them."""
    return user.is_authenticated and (user.has_role(Role.ADMIN) or user.has_role(Role.HEAD))
