"""One page, looked at closely: its server time over many requests, each query with its time, and
optionally PostgreSQL's plan of the slow ones and a Python profile (issue 10).

    DATABASE_URL=… .venv/bin/python bench/page_profile.py office "/cases/?parent=patel" --runs 60 --explain
    DATABASE_URL=… .venv/bin/python bench/page_profile.py head /cases/CB-2026-0002/ --profile tottime

To compare two commits on a machine whose speed drifts, check the other out beside this one (git
worktree) and run the two in turn, several times: the medians of interleaved runs are comparable, a
single run each is not. Reads only, like bench_pages.py (whose sign-in it uses).
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import signed_in  # noqa: E402 (sets Django up)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidents.models import User  # noqa: E402

SLOW_QUERY_MS = 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("username")
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help=f"EXPLAIN ANALYZE queries over {SLOW_QUERY_MS} ms")
    parser.add_argument("--profile", metavar="SORT", help="cProfile 10 requests, sorted by e.g. cumulative, tottime")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = signed_in(User.objects.get(username=args.username))
    assert client.get(args.url).status_code == 200, args.url  # warm-up, and a check that the page is there

    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        client.get(args.url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{args.runs} requests: median {statistics.median(times):.1f} ms, "
          f"p95 {times[max(0, int(len(times) * 0.95) - 1)]:.1f}, min {times[0]:.1f}")

    with CaptureQueriesContext(connection) as captured:
        client.get(args.url)
    sql_ms = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    print(f"{len(captured)} queries, {sql_ms:.0f} ms of SQL as Django timed it:")
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:6.1f}  {query['sql'][:200]}")
        slow = float(query["time"]) * 1000 >= SLOW_QUERY_MS and query["sql"].startswith("SELECT")
        if args.explain and slow and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join("          " + row[0] for row in cursor.fetchall()))

    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(10):
            client.get(args.url)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.profile).print_stats(50)
        print(out.getvalue())


if __name__ == "__main__":
    os.environ.setdefault("DEBUG", "false")
    main()
