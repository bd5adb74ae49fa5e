"""Create the load test's users in the benchmark database and write what locust needs to sign in.

Office staff (no second factor) and Head Teachers, each Head with a confirmed TOTP device: locust signs
them in through the real form and posts a code computed from the device key, as a phone would.
Roles are per school: each user is a member of one school (incidents.models.Membership) holding
their role there. LOAD_SCHOOLS=N (default 1: the demo school, else the installation's first) spreads
the users round-robin over the N schools with the most cases, a trust's busiest; each user's entry
carries its own school's parents and cases, so that no simulated person asks for another school's.
For a throw-away benchmark database only: it writes device keys to bench/results/load-users.json
(gitignored), and makes the load office users the creators of recent cases. Idempotent.
Run: DATABASE_URL=… [LOAD_SCHOOLS=10] .venv/bin/python bench/load/setup_users.py
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from incidents.demo.school import DEMO_SCHOOL, seed_school  # noqa: E402
from incidents.models import Case, Membership, Parent, User  # noqa: E402
from incidents.roles import Role, ensure_role_groups  # noqa: E402
from policies.models import School  # noqa: E402

PASSWORD = os.environ.get("LOAD_PASSWORD", "load-test-only-password")
OFFICE, HEADS = 10, 10
CASES_PER_OFFICE_USER = 200  # recent cases each load office user is made the creator of, at its school
FIXTURE_ROWS = 500  # parents and open cases per school written for locust


def schools(count: int) -> list[School]:
    """The schools the load users work in: the demo school alone, or the `count` with the most cases."""
    if count <= 1:
        return [School.objects.filter(code=DEMO_SCHOOL["code"]).first() or seed_school()[0]]
    busiest = School.objects.annotate(n_cases=Count("cases")).order_by("-n_cases", "pk")[:count]
    return list(busiest)


def member(user: User, school: School, role: Role) -> None:
    """Make `user` a member of `school` only, holding `role` there. Writes: Membership rows; clears the
    user's own groups (roles no longer come from them) and any membership left by an earlier run."""
    Membership.objects.filter(user=user).exclude(school=school).delete()
    membership, _ = Membership.objects.get_or_create(user=user, school=school)
    membership.roles.set([Group.objects.get(name=role.value)])
    user.groups.clear()


def school_fixtures(school: School) -> dict:
    """A school's parents (for the concern form) and open unrestricted cases (for Heads' pages)."""
    cases = list(Case.objects.filter(school=school, restricted=False).exclude(status="closed")
                 .order_by("-opened_at").values_list("reference", flat=True)[:FIXTURE_ROWS])
    parents = [list(row) for row in Parent.objects.filter(school=school).order_by("-pk")
               .values_list("pk", "first_name", "last_name")[:FIXTURE_ROWS]]
    if not cases or not parents:
        raise SystemExit(f"{school.code}: no open case or no parent to load-test with")
    return {"parents": parents, "cases": cases}


@transaction.atomic
def main() -> None:
    ensure_role_groups()
    chosen = schools(int(os.environ.get("LOAD_SCHOOLS", "1")))
    fixtures = {school.pk: school_fixtures(school) for school in chosen}
    users = []
    office_at: dict[int, list[User]] = {school.pk: [] for school in chosen}
    for role, prefix, count in ((Role.OFFICE, "load-office", OFFICE), (Role.HEAD, "load-head", HEADS)):
        for n in range(1, count + 1):
            school = chosen[(n - 1) % len(chosen)]
            user, _ = User.objects.get_or_create(username=f"{prefix}-{n}", defaults={"first_name": "Load",
                                                                                      "last_name": f"Tester {n}"})
            user.set_password(PASSWORD)
            user.save()
            member(user, school, role)
            entry = {"username": user.username, "role": role.value, "school": school.code, **fixtures[school.pk]}
            if role == Role.HEAD:
                device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
                    user=user, name="load test", confirmed=True)
                entry["totp_key"] = device.key
            else:
                office_at[school.pk].append(user)
            users.append(entry)
    # Office staff see what they logged: let each see some of its own school's recent cases, as at a school.
    for school in chosen:
        office = office_at[school.pk]
        recent = list(Case.objects.filter(school=school, restricted=False).order_by("-opened_at")
                      .values_list("pk", flat=True)[:CASES_PER_OFFICE_USER * len(office)])
        for i, user in enumerate(office):
            Case.objects.filter(pk__in=recent[i::len(office)]).update(created_by=user)
    out = Path(__file__).resolve().parents[1] / "results" / "load-users.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"password": PASSWORD, "users": users}))
    print(f"{len(users)} load-test users ready at {len(chosen)} school(s) "
          f"({', '.join(school.code for school in chosen)}); written {out}")


if __name__ == "__main__":
    main()
