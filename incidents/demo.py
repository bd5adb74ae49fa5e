"""Demo data for `seed_demo`: one user per role now; later a realistic school.

Every function here is idempotent: running seed_demo twice changes nothing.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from incidents.models import User
from incidents.roles import Role, ensure_role_groups

DEMO_USERS: list[tuple[str, str, str, Role]] = [
    ("office", "Olivia", "Okafor", Role.OFFICE),
    ("lead", "Liam", "Lewis", Role.LEAD),
    ("head", "Helen", "Hart", Role.HEAD),
    ("dsl", "Daniel", "Shah", Role.DSL),
    ("governor", "Grace", "Gordon", Role.GOVERNOR),
    ("admin", "Aisha", "Adams", Role.ADMIN),
]


@transaction.atomic
def seed_users(*, password: str | None = None) -> list[tuple[str, bool]]:
    """Create the six demo users, one per role. Returns (username, created) pairs.

    Writes: users and their group membership. Existing users are left as they are.
    """
    password = password or settings.DEMO_PASSWORD
    ensure_role_groups()
    results = []
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@school.example"},
        )
        if created:
            user.set_password(password)
            user.is_staff = role == Role.ADMIN
            user.is_superuser = role == Role.ADMIN
            user.save()
            user.groups.add(Group.objects.get(name=role.value))
        results.append((username, created))
    return results
