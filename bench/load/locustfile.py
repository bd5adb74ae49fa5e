"""Load test (issue 10): office staff and Head Teachers reading and writing against gunicorn on 127.0.0.1.

Mix per simulated person: mostly reading (case list, filters, search, case pages), some writing
(office staff log concerns; Heads record contacts). Each signs in through the real form; Heads also
post a TOTP code computed from their device key. See bench/README.md for the exact command.

Think time: LOAD_WAIT="3,10" (seconds, the default) — a person reads the list or the case they
opened before the next click. People arrive at --spawn-rate and sign in (a deliberately slow
password hash, ~0.5 s of CPU each); once all 50 have signed in (not merely arrived: on a busy machine
sign-ins queue for seconds after the last arrival), the statistics are reset and the measured minute
begins. bench/results/load-summary.json keeps both: the
measured minute (all requests, and all but sign-in steps — none, unless a session expires) and the
ramp-up with its sign-ins, reported on their own, never hidden.

Each account belongs to one school (setup_users.py, LOAD_SCHOOLS) and asks only for its own school's
parents and cases (account["parents"], account["cases"]): another school's case would be a 404.
"""

import datetime
import itertools
import json
import os
import random
import re
import statistics
import time
from pathlib import Path

from django_otp.oath import TOTP
from locust import HttpUser, between, events, task

FIXTURES = json.loads((Path(__file__).resolve().parents[1] / "results" / "load-users.json").read_text())
_offices = itertools.cycle([u for u in FIXTURES["users"] if u["username"].startswith("load-office-")])
_heads = iter([u for u in FIXTURES["users"] if u["username"].startswith("load-head-")])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WAIT = [float(part) for part in os.environ.get("LOAD_WAIT", "3,10").split(",")]
SIGN_IN_STEPS = {"sign in (form)", "sign in", "two-factor (form)", "two-factor"}
_times: list[tuple[str, float, bool]] = []  # (request name, ms, failed) since everyone signed in
_ramp: list[tuple[str, float, bool]] = []  # the same while people were still arriving and signing in
_signed_in = 0  # people who have finished signing in (or failed to); the measured minute starts at all
_measuring_since: list[float] = []  # when it started (time.monotonic())
OPEN_CASE_OFFERED = re.compile(r'name="link_to" value="((?!new")[^"]+)"')
SEARCHES = ["teacher", "useless", "threat", "abusive office", "swearing", "deputy hea", "screenshot"]


def _csrf(response) -> str:
    return CSRF.search(response.text).group(1)


class Staff(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    account: dict

    def on_start(self) -> None:
        try:
            self._sign_in()
        finally:
            _one_more_signed_in(self.environment)

    def _sign_in(self) -> None:
        # Production marks cookies Secure; this test talks plain HTTP to 127.0.0.1 (no TLS proxy in
        # front), so every cookie received is also kept as a plain one, which the jar sends over HTTP.
        self.client.hooks["response"].append(self._keep_cookies)
        page = self.client.get("/accounts/login/", name="sign in (form)")
        self.client.post("/accounts/login/", name="sign in", data={
            "username": self.account["username"], "password": FIXTURES["password"], "csrfmiddlewaretoken": _csrf(page)})
        if "totp_key" in self.account:
            page = self.client.get("/accounts/two-factor/", name="two-factor (form)")
            code = TOTP(bytes.fromhex(self.account["totp_key"])).token()
            self.client.post("/accounts/two-factor/", name="two-factor",
                             data={"code": f"{code:06d}", "csrfmiddlewaretoken": _csrf(page)})

    def _keep_cookies(self, response, *args, **kwargs):
        for name, value in response.cookies.items():
            self.client.cookies.set(name, value)

    @task(6)
    def case_list(self) -> None:
        self.client.get("/cases/", name="case list")

    @task(3)
    def filtered(self) -> None:
        self.client.get(f"/cases/?status={random.choice(['new', 'investigating', 'closed'])}&severity=high",
                        name="case list filtered")

    @task(4)
    def search(self) -> None:
        self.client.get(f"/cases/?q={random.choice(SEARCHES)}", name="search")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="home")


class Office(Staff):
    weight = 4

    def on_start(self) -> None:
        self.account = next(_offices)
        super().on_start()

    @task(4)
    def own_case(self) -> None:
        response = self.client.get("/cases/", name="case list")
        refs = re.findall(r'href="/cases/([A-Z0-9-]+)/"', response.text)
        if refs:
            self.client.get(f"/cases/{random.choice(refs)}/", name="case page")

    @task(1)
    def log_concern(self) -> None:
        page = self.client.get("/concerns/new/", name="concern form")
        token = re.search(r'name="submission_token" value="([^"]+)"', page.text)
        parent_id, first_name, last_name = random.choice(self.account["parents"])
        # A large school's form finds the parent by name (htmx), as a person would type it.
        self.client.get("/concerns/parents/", name="parent search", headers={"HX-Request": "true"},
                        params={"parent_search": f"{first_name} {last_name}"})
        data = {
            "csrfmiddlewaretoken": _csrf(page), "submission_token": token.group(1) if token else "",
            "received_at": (datetime.datetime.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "channel": "whatsapp", "raised_by_name": "A parent in the group",
            "parents": [parent_id],
            "description": "Posted that the class teacher is useless, naming her (load test).",
        }
        with self.client.post("/concerns/new/", name="log a concern", catch_response=True, data=data) as response:
            # A parent who already has an open case: the form asks whether to add the concern to it
            # (a question, not a failure); the person answers it, as staff would.
            offered = OPEN_CASE_OFFERED.search(response.text) if response.status_code == 200 else None
            if offered:
                response.success()
            else:
                _expect_saved(response, "/cases/")
        if offered:
            data.update(link_to=offered.group(1), csrfmiddlewaretoken=_csrf(response))
            with self.client.post("/concerns/new/", name="log a concern (added to the open case)",
                                  catch_response=True, data=data) as response:
                _expect_saved(response, "/cases/")


class Head(Staff):
    weight = 1

    def on_start(self) -> None:
        self.account = next(_heads)
        super().on_start()

    @task(4)
    def case_page(self) -> None:
        self.client.get(f"/cases/{random.choice(self.account['cases'])}/", name="case page")

    @task(1)
    def add_contact(self) -> None:
        reference = random.choice(self.account["cases"])
        page = self.client.get(f"/cases/{reference}/contacts/new/", name="contact form")
        token = re.search(r'name="submission_token" value="([^"]+)"', page.text)
        with self.client.post(f"/cases/{reference}/contacts/new/", name="add a contact", catch_response=True, data={
            "csrfmiddlewaretoken": _csrf(page), "submission_token": token.group(1) if token else "",
            "happened_at": (datetime.datetime.now() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "with_whom": "The parent", "method": "phone", "summary": "Spoke about the posts (load test).",
        }) as response:
            _expect_saved(response, f"/cases/{reference}/")


def _expect_saved(response, landing: str) -> None:
    """A write counts as a success only if it was saved: the form redirected to the case, not back."""
    if response.status_code != 200 or landing not in response.url:
        response.failure(f"not saved: {response.status_code} at {response.url}")
    else:
        response.success()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs) -> None:
    _times.append((name, response_time, exception is not None))


def _summary(rows: list[tuple[str, float, bool]]) -> dict:
    times = sorted(ms for _, ms, _ in rows)
    if not times:
        return {"requests": 0}
    return {"requests": len(times), "failures": sum(failed for *_, failed in rows),
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)], 1), "max_ms": round(times[-1], 1)}


def _one_more_signed_in(environment) -> None:
    """Once everyone has signed in, reset locust's statistics and ours: the measured minute begins."""
    global _signed_in
    _signed_in += 1
    if _signed_in == environment.runner.target_user_count:
        environment.stats.reset_all()
        _ramp.extend(_times)
        _times.clear()
        _measuring_since.append(time.monotonic())


@events.quitting.add_listener
def _write_summary(environment, **kwargs) -> None:
    summary = {
        "wait_s": WAIT,
        "measured_s": round(time.monotonic() - _measuring_since[0], 1) if _measuring_since else None,
        "ramp-up (arriving, signing in)": _summary(_ramp),
        "ramp-up sign-in steps": _summary([row for row in _ramp if row[0] in SIGN_IN_STEPS]),
        "all": _summary(_times),
        "without sign-in": _summary([row for row in _times if row[0] not in SIGN_IN_STEPS]),
        "sign-in steps": _summary([row for row in _times if row[0] in SIGN_IN_STEPS]),
        "by name": {name: _summary([row for row in _times if row[0] == name])
                    for name in sorted({row[0] for row in _times})},
    }
    out = Path(__file__).resolve().parents[1] / "results" / "load-summary.json"
    out.write_text(json.dumps(summary, indent=2))
    print(f"{'measured (s)':32} {summary['measured_s']}")
    for key in ("ramp-up (arriving, signing in)", "ramp-up sign-in steps", "all", "without sign-in"):
        print(f"{key:32} {summary[key]}")
