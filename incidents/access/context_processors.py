from incidents.access import permissions
from incidents.reports import statistics as reports


def roles(request) -> dict:
    """The signed-in user's role and what the navigation bar offers them.

    Worked out from the user's roles (one query, kept on the user for the request) by the same
    permission functions the views use, rather than Django's `perms` (two more queries a page).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    school = getattr(request, "school", None)
    return {
        # The switcher between one's schools: shown only to someone in more than one.
        "other_schools": [other for other in getattr(user, "_schools", []) if school is None or other.pk != school.pk],
        "user_role": user.primary_role,
        "nav": {
            "letters": permissions.can_see_cases(user),
            "policy": bool(user.role_names),
            "log_concern": permissions.can_log_concern(user),
            "reports": reports.may_see_reports(user),
            # A trust leader: read with their schools (access.schools.school_for); /trust/ asks afresh.
            "trust": getattr(user, "leads_a_trust", False),
            "records": permissions.can_handle_subject_access(user),
            "people": permissions.may_import_people(user),
            "settings": permissions.may_read_settings(user),
            "users": permissions.may_change_settings(user),
            "policy_admin": permissions.may_administer_policies(user),
            "admin": user.is_superuser,
        },
    }
