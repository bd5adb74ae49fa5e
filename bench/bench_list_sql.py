"""The database's own time for the case list filtered by the response in force (issue 21), apart from
Python: the SQL of one request, each query on the cases run under EXPLAIN ANALYZE seven times, the
medians added up. On a machine too busy for bench_pages.py's page times to mean much (its calibration
far above the 30 ms template / 23 ms SQL of the runs in RESULTS.md), this still compares two
versions of the code on the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casebook_bench .venv/bin/python bench/bench_list_sql.py
Reads only (but for the sessions of its sign-ins).
"""

import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from bench_pages import signed_in  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidents.models import User  # noqa: E402

FILTERS = ["response=warning", "response=ban_in_force"]


def main() -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    for username in ("head", "office"):
        client = signed_in(User.objects.get(username=username))
        for query in FILTERS:
            url = f"/cases/?{query}"
            client.get(url)  # warm-up
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            total, slowest = 0.0, 0.0
            for sql in (q["sql"] for q in captured.captured_queries):
                if "incidents_case" not in sql or not sql.startswith("SELECT"):
                    continue
                times = []
                with connection.cursor() as cursor:
                    for _ in range(7):
                        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                        times.append(cursor.fetchone()[0][0]["Execution Time"])
                total += statistics.median(times)
                slowest = max(slowest, statistics.median(times))
            print(f"{username:7} ?{query:22} SQL on cases: {total:6.1f} ms (slowest query {slowest:5.1f})")


if __name__ == "__main__":
    main()
