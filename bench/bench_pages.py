"""How fast are the busy pages at scale? Server time (Django's test Client: no network, no browser)
and SQL queries per request, for the Head Teacher and for office staff (issue 10).

Issue 10 targets at 100,000 cases (2-core machine): case list and case page p95 ≤ 50 ms, text search
p95 ≤ 100 ms, home page p95 ≤ 80 ms; the query count of a page does not grow with the data.

Run against a database already filled by seed_demo + seed_bulk (see bench/README.md):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casebook_bench .venv/bin/python bench/bench_pages.py --label 100k
Several schools (issue 25; seed_bulk --schools N): `--school busiest|median|quietest|<CODE>` signs in that
school's own bulk Head, lead and office user (bulk-<code>-head-1, …), checks that every case they can
see is their school's, and times the same pages:
    DATABASE_URL=… .venv/bin/python bench/bench_pages.py --label 300s --school median --render-runs 0
The trust statistics (issue 25.4: p95 ≤ 300 ms with 300 schools in one trust) for the bulk trust's leader:
    DATABASE_URL=… .venv/bin/python bench/bench_pages.py --label 300s-trust --users bulk-trust-leader \
        --pages "trust statistics" --render-runs 0 --runs 30
Prints a table and writes bench/results/pages-<label>-<time>.json. Reads only, except the page views'
own writes (sessions); it never opens a restricted case (that would record an access).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from incidents.access.visibility import cases_visible_to  # noqa: E402
from incidents.letters.selectors import letters_visible_to  # noqa: E402
from incidents.models import Case, Letter, User  # noqa: E402
from incidents.trusts.selectors import may_see_trust_statistics  # noqa: E402
from policies.models import School  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS_MS = {"case list": 50, "case list filtered": 50, "case list by parent": 50, "case list by response": 50,
              "case list of bans in force": 50, "search": 100, "search (prefix)": 100, "case page": 50, "home": 80,
              "trust statistics": 300}


def signed_in(user: User, school: School | None = None) -> Client:
    """A client past sign-in and two-factor, as tests/conftest.SignedInClient does."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from incidents.access.schools import SCHOOL_CHOSEN
    from incidents.access.twofactor import CONFIRMED_AT, needs_two_factor

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and needs_two_factor(user):
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    if device is not None:
        session["otp_device_id"] = device.persistent_id
    session[CONFIRMED_AT] = time.time()
    if school is not None:  # as the switcher leaves it, for someone who works in several schools
        session[SCHOOL_CHOSEN] = school.pk
    session.save()
    return client


def pages_for(user: User) -> dict[str, list[str]]:
    """Each page's URLs: several cases and letters in turn, so one hot row does not flatter the figures."""
    cases = list(cases_visible_to(user).filter(restricted=False, letters__isnull=False)
                 .order_by("-opened_at").values_list("reference", flat=True)[:20])
    letters = list(letters_visible_to(user).order_by("-created_at").values_list("pk", flat=True)[:20])
    case_list = reverse("incidents:case_list")
    trust = [reverse("incidents:trust_statistics")] if may_see_trust_statistics(user) else []
    return {
        "home": [reverse("incidents:home")],
        "case list": [case_list],
        "case list page 3": [case_list + "?page=3"],
        "case list filtered": [case_list + "?status=closed&severity=high&sort=-opened"],
        "case list by parent": [case_list + "?parent=patel"],
        "case list by response": [case_list + "?response=warning"],
        "case list of bans in force": [case_list + "?response=ban_in_force"],
        "search": [case_list + "?q=teacher+useless", case_list + "?q=abusive+office"],
        "search (prefix)": [case_list + "?q=thre", case_list + "?q=deputy+hea"],
        "case page": [reverse("incidents:case_detail", args=[ref]) for ref in cases],
        "letter register": [reverse("incidents:letter_register")],
        "letter page": [reverse("incidents:letter_detail", args=[pk]) for pk in letters],
        "trust statistics": trust,
    }


def school_chosen(which: str) -> School:
    """A school by code, or the busiest, median or quietest of those with bulk staff, by number of cases."""
    if which not in {"busiest", "median", "quietest"}:
        return School.objects.get(code=which.upper())
    from django.db.models import Count

    ranked = list(School.objects.filter(memberships__user__username__startswith="bulk-").distinct()
                  .annotate(n=Count("cases", distinct=True)).order_by("-n", "pk"))
    return {"busiest": ranked[0], "median": ranked[len(ranked) // 2], "quietest": ranked[-1]}[which]


def school_users(school: School) -> list[str]:
    """The school's own bulk Head, lead and office user, and the trust's safeguarding lead; each must see
    none of another school's cases."""
    names = [f"bulk-{school.code.lower()}-{kind}-1" for kind in ("head", "lead", "office")]
    # The trust's safeguarding lead (seed_bulk's, where the school is in its trust) works there too.
    if User.objects.filter(username="bulk-trust-safeguarding", trust_memberships__trust=school.trust_id).exists():
        names.append("bulk-trust-safeguarding")
    for name in names:
        user = User.objects.get(username=name)
        user.at(school)
        others = cases_visible_to(user).exclude(school=school).count()
        assert others == 0, f"{name} sees {others} cases of other schools"
    return names


def measure(client: Client, urls: list[str], runs: int) -> dict:
    for url in urls[:3]:
        assert client.get(url).status_code == 200, url  # warm-up, and a check that the page is there
    times = []
    for i in range(runs):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(urls[0])
    times.sort()
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "max_ms": round(times[-1], 1), "queries": len(captured), "runs": runs}


def letter_render(runs: int) -> dict:
    """A one-page letter to PDF, worker side (bench_letter_render.py's measurement)."""
    from incidents.letters import pdf
    from policies import pdf as policy_pdf

    letter = Letter.objects.exclude(html="").order_by("pk").first() or Letter.objects.order_by("pk").first()
    html = pdf.letter_document_html(letter)
    policy_pdf.html_to_pdf(html)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        policy_pdf.html_to_pdf(html)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "max_ms": round(times[-1], 1), "queries": 0, "runs": runs}


def calibration() -> dict:
    """How fast this machine is right now, on work that does not depend on Casebook's data or code:
    Django rendering a fixed template (Python) and PostgreSQL counting a fixed series (SQL), median
    of several. Virtual machines of the same size differ, and one machine differs from minute to
    minute; these figures let runs on different machines, or at different times, be compared
    (a page that took 40 ms when the template took 8 ms would take about 60 ms when it takes 12)."""
    from django.template import Context, Template

    template = Template("{% for row in rows %}<tr><td>{{ row.0 }}</td><td>{{ row.1|upper }}</td></tr>{% endfor %}")
    context = Context({"rows": [(i, f"row {i}") for i in range(2000)]})
    python_times, sql_times = [], []
    for _ in range(15):
        start = time.perf_counter()
        template.render(context)
        python_times.append((time.perf_counter() - start) * 1000)
    with connection.cursor() as cursor:
        for _ in range(15):
            start = time.perf_counter()
            cursor.execute("SELECT count(*) FROM generate_series(1, 300000)" if connection.vendor == "postgresql"
                           else "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
                                "SELECT count(*) FROM n")
            cursor.fetchone()
            sql_times.append((time.perf_counter() - start) * 1000)
    return {"python_template_ms": round(statistics.median(python_times), 1),
            "sql_series_ms": round(statistics.median(sql_times), 1)}


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        database = cursor.fetchone()[0]
    memory_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")), 0)
    return {"nproc": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1), "database": database,
            "python": platform.python_version(), "load_average": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--label", default="run")
    parser.add_argument("--render-runs", type=int, default=10)
    parser.add_argument("--pages", default="", help="only pages whose name contains this (e.g. 'case list')")
    parser.add_argument("--users", default="head,office", help="comma-separated usernames")
    parser.add_argument("--school", default="", help="busiest, median, quietest or a school code: that school's "
                        "own bulk head, lead and office users instead of --users (seed_bulk --schools N)")
    args = parser.parse_args()
    usernames = args.users.split(",")
    school = None
    if args.school:
        school = school_chosen(args.school)
        usernames = school_users(school)
    # Not setup_test_environment(): it instruments every template render (copying contexts for the
    # test Client's assertions), which would more than double the server time measured.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    result = {"label": args.label, "at": datetime.datetime.now().isoformat(timespec="seconds"),
              "cases": Case.objects.count(), "schools": School.objects.count(),
              "school": {"code": school.code, "cases": school.cases.count()} if school else None,
              "machine": machine(), "targets_ms": TARGETS_MS, "pages": {}}
    print(f"{result['cases']} cases, {result['schools']} schools; {result['machine']}")
    if school:
        print(f"users of {school.code} ({result['school']['cases']} cases): {', '.join(usernames)}")
    result["calibration_before"] = calibration()
    print(f"calibration before: {result['calibration_before']}")
    print(f"{'page':24} {'user':20} {'median':>8} {'p95':>8} {'max':>8} {'queries':>8}  target")
    for username in usernames:
        user = User.objects.get(username=username)
        if school:
            user.at(school)
        client = signed_in(user, school)
        for page, urls in pages_for(user).items():
            if not urls or args.pages not in page:
                continue
            figures = measure(client, urls, args.runs)
            result["pages"][f"{page} / {username}"] = figures
            target = TARGETS_MS.get(page)
            verdict = "" if target is None else (f"p95 ≤ {target} ms " + ("ok" if figures["p95_ms"] <= target
                                                                          else "MISSED"))
            print(f"{page:24} {username:20} {figures['median_ms']:8.1f} {figures['p95_ms']:8.1f} "
                  f"{figures['max_ms']:8.1f} {figures['queries']:8d}  {verdict}")
    if args.render_runs:
        figures = letter_render(args.render_runs)
        result["pages"]["letter render (PDF, worker)"] = figures
        print(f"{'letter render (PDF)':24} {'worker':20} {figures['median_ms']:8.1f} {figures['p95_ms']:8.1f} "
              f"{figures['max_ms']:8.1f} {0:8d}")
    result["calibration_after"] = calibration()
    print(f"calibration after:  {result['calibration_after']}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"pages-{args.label}-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"Written {out.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    main()
