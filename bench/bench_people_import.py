"""How long does importing a school's parents and children take, first time and again?

Run: .venv/bin/python bench/bench_people_import.py [--rows 2000]
Uses a throw-away SQLite database in a temporary folder (or DATABASE_URL, which it fills: give it an
empty one). One row per child and parent, two parents per child: --rows 2000 is 1,000 children.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="bench-people-")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ["MEDIA_ROOT"] = f"{_tmp}/private"

import django  # noqa: E402

django.setup()

import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402

from incidents.people.services import people_import  # noqa: E402
from policies.models import School  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    school = School.objects.first() or School.objects.create(name="Bench", address="x", head_teacher_name="H")
    rows = []
    for n in range(args.rows):
        child = n // 2
        rows.append((f"Child{child}", f"Family{child}", f"Year {child % 7}", f"Parent{n}", f"Family{child}",
                     f"parent{n}@parents.example", f"07700 9{n:05d}", "Mother" if n % 2 else "Father"))
    data = tablib.Dataset(*rows, headers=[
        "child_first_name", "child_last_name", "class", "parent_first_name", "parent_last_name", "parent_email",
        "parent_phone", "relationship"]).export("csv").encode()
    for label, dry_run in [("preview (nothing saved)", True), ("first import", False), ("same file again", False)]:
        start = time.perf_counter()
        plan = people_import(school=school, data=data, by=None, source="bench.csv", dry_run=dry_run)
        elapsed = time.perf_counter() - start
        print(f"{label}: {args.rows} rows in {elapsed:.2f} s — {len(plan.parents_added)} parents and "
              f"{len(plan.children_added)} children to add, {len(plan.parents_unchanged)} parents unchanged")


if __name__ == "__main__":
    main()
