"""The six roles, as Django groups. Their permissions are set by a data migration."""

from django.contrib.auth.models import Group, Permission
from django.db.models import TextChoices


class Role(TextChoices):
    OFFICE = "Office staff", "Office staff"
    LEAD = "Investigating lead", "Investigating lead"
    HEAD = "Head Teacher", "Head Teacher"
    DSL = "Safeguarding lead", "Safeguarding lead"
    GOVERNOR = "Governor", "Governor"
    ADMIN = "Administrator", "Administrator"


# Model permissions each role holds (app_label.codename). Object-level access to cases is
# decided separately, in incidents.access.visibility.cases_visible_to.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICE: [
        "incidents.add_concern", "incidents.view_concern",
        "incidents.view_case", "incidents.add_evidence", "incidents.view_evidence",
        "incidents.add_contact", "incidents.view_contact",
        "incidents.view_parent", "incidents.add_parent", "incidents.change_parent",
        "incidents.view_child", "incidents.view_parentgroup",
    ],
    Role.LEAD: [
        "incidents.add_concern", "incidents.view_concern",
        "incidents.add_case", "incidents.change_case", "incidents.view_case",
        "incidents.add_evidence", "incidents.view_evidence", "incidents.add_statement",
        "incidents.view_statement", "incidents.add_contact", "incidents.view_contact",
        "incidents.view_parent", "incidents.add_parent", "incidents.change_parent",
        "incidents.view_child", "incidents.add_child", "incidents.change_child",
        "incidents.view_parentgroup", "incidents.add_parentgroup", "incidents.change_parentgroup",
    ],
    Role.HEAD: [
        "incidents.add_concern", "incidents.view_concern",
        "incidents.add_case", "incidents.change_case", "incidents.view_case",
        "incidents.add_evidence", "incidents.view_evidence", "incidents.add_statement",
        "incidents.view_statement", "incidents.add_contact", "incidents.view_contact",
        "incidents.view_parent", "incidents.add_parent", "incidents.change_parent",
        "incidents.view_child", "incidents.add_child", "incidents.change_child",
        "incidents.view_parentgroup", "incidents.add_parentgroup", "incidents.change_parentgroup",
    ],
    Role.DSL: [
        "incidents.view_concern", "incidents.view_case", "incidents.view_evidence",
        "incidents.view_statement", "incidents.view_contact", "incidents.view_parent",
        "incidents.view_child",
    ],
    Role.GOVERNOR: ["incidents.view_case"],
    Role.ADMIN: [
        "policies.view_school", "policies.change_school",
        "policies.view_termholiday", "policies.add_termholiday", "policies.change_termholiday",
        "policies.delete_termholiday",
        "policies.view_policy", "policies.add_policy", "policies.change_policy",
        "policies.view_policyversion", "policies.add_policyversion", "policies.change_policyversion",
        "policies.view_clause", "policies.add_clause", "policies.change_clause", "policies.delete_clause",
        "policies.view_responsetype", "policies.add_responsetype", "policies.change_responsetype",
        "policies.view_lettertemplate", "policies.add_lettertemplate", "policies.change_lettertemplate",
        "policies.view_lettertemplateversion", "policies.add_lettertemplateversion",
        "incidents.view_user", "incidents.add_user", "incidents.change_user",
        "incidents.view_parentgroup", "incidents.add_parentgroup", "incidents.change_parentgroup",
    ],
}


def ensure_role_groups() -> None:
    """Create any missing role group with its permissions (the migration does this first).

    Idempotent; used by seed_demo and by tests whose database was flushed.
    """
    for role, perms in ROLE_PERMISSIONS.items():
        group, created = Group.objects.get_or_create(name=role)
        if created:
            for perm in perms:
                app_label, codename = perm.split(".")
                group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
