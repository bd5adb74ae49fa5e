"""How fast are the pages that choose a parent, at scale (issue 10)? The concern form, its parent
search (htmx) and the case list's "Parent's name" filter, timed with Django's test Client as
bench_pages.py times the busy pages (server time, no network, no browser).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<copy> .venv/bin/python bench/bench_parent_picker.py --runs 20
Prints median / p95 / max and the queries of one request. Reads only (besides sessions).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from bench_pages import measure, signed_in  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from incidents.models import Case, Parent, User  # noqa: E402


def pages() -> dict[str, list[str]]:
    rare = Parent.objects.order_by("pk").values_list("last_name", flat=True).first()  # a name of the demo school
    case_list = reverse("incidents:case_list")
    search = reverse("incidents:concern_parent_search")
    access_search = reverse("incidents:subject_access_parent_search")
    searches = ["patel", "karl+dunn", "usman&parents=1&parents=2", "li"]
    return {
        "concern form": [reverse("incidents:concern_create")],
        "case list by parent": [case_list + "?parent=patel"],
        "case list by rare name": [case_list + f"?parent={rare}"],
        "parent search": [f"{search}?parent_search={text}" for text in searches],
        "subject access form": [reverse("incidents:subject_access_list")],
        "subject access search": [f"{access_search}?parent_search={text}" for text in searches],
    }


HEAD_ONLY = ("subject access form", "subject access search")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pages", default="", help="only pages whose name contains this")
    parser.add_argument("--users", default="head,office")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"{Case.objects.count()} cases, {Parent.objects.count()} parents; load {os.getloadavg()}")
    print(f"{'page':24} {'user':7} {'median':>8} {'p95':>8} {'max':>8} {'queries':>8}")
    for username in args.users.split(","):
        client = signed_in(User.objects.get(username=username))
        for page, urls in pages().items():
            if args.pages not in page or (page in HEAD_ONLY and username != "head"):
                continue
            start = time.perf_counter()
            figures = measure(client, urls, args.runs)
            print(f"{page:24} {username:7} {figures['median_ms']:8.1f} {figures['p95_ms']:8.1f} "
                  f"{figures['max_ms']:8.1f} {figures['queries']:8d}   ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
