"""Create the load test's users in the benchmark database and write what locust needs to sign in.

Office staff (no second factor) and Head Teachers, each Head with a confirmed TOTP device: locust signs
them in through the real form and posts a code computed from the device key, as a phone would.
For a throw-away benchmark database only: it writes device keys to bench/results/load-users.json
(gitignored). Run: DATABASE_URL=… .venv/bin/python bench/load/setup_users.py
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
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from incidents.models import Case, Parent, User  # noqa: E402
from incidents.roles import Role, ensure_role_groups  # noqa: E402

PASSWORD = os.environ.get("LOAD_PASSWORD", "load-test-only-password")
OFFICE, HEADS = 10, 10


def main() -> None:
    ensure_role_groups()
    users = []
    for role, prefix, count in ((Role.OFFICE, "load-office", OFFICE), (Role.HEAD, "load-head", HEADS)):
        for n in range(1, count + 1):
            user, _ = User.objects.get_or_create(username=f"{prefix}-{n}", defaults={"first_name": "Load",
                                                                                      "last_name": f"Tester {n}"})
            user.set_password(PASSWORD)
            user.save()
            user.groups.set([Group.objects.get(name=role.value)])
            entry = {"username": user.username, "role": role.value}
            if role == Role.HEAD:
                device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
                    user=user, name="load test", confirmed=True)
                entry["totp_key"] = device.key
            users.append(entry)
    # Office staff see what they logged: let each see some recent cases, as at a real school.
    office = User.objects.filter(username__startswith="load-office-")
    recent = list(Case.objects.filter(restricted=False).order_by("-opened_at").values_list("pk", flat=True)[:2000])
    for i, user in enumerate(office):
        Case.objects.filter(pk__in=recent[i::len(office)]).update(created_by=user)
    fixtures = {
        "password": PASSWORD, "users": users,
        "parents": [list(row) for row in
                    Parent.objects.order_by("-pk").values_list("pk", "first_name", "last_name")[:500]],
        "cases": list(Case.objects.filter(restricted=False).exclude(status="closed").order_by("-opened_at")
                      .values_list("reference", flat=True)[:500]),
    }
    out = Path(__file__).resolve().parents[1] / "results" / "load-users.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(fixtures))
    print(f"{len(users)} load-test users ready; written {out}")


if __name__ == "__main__":
    main()
