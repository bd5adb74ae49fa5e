"""Issue 25.4 at 300 schools: the worker works the trust statistics out hourly and /trust/ reads them
stored. The stored figures must be exactly the live selector's, for every term; the page must read no
case; a leader must never be shown another trust's figures; a case opened after a refresh appears
after the next one, not before; and the page says when the figures were worked out."""

import dataclasses
import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app
from incidents.models import Case, Concern, TrustMembership, TrustStatisticsSnapshot
from incidents.reports import statistics as reports
from incidents.trusts import tasks
from incidents.trusts.selectors import stored_trust_statistics, trust_statistics
from incidents.trusts.services import trust_statistics_refresh
from policies.models import Trust
from tests import factories
from tests.incidents.trusts.test_trust_statistics import LAST_TERM, _cases_of, _school

pytestmark = pytest.mark.django_db

CASES_TABLE = re.compile(r"\bincidents_case\b")


def _leader(username: str, *trusts: Trust):
    user = factories.UserFactory(username=username)
    for trust in trusts:
        TrustMembership.objects.create(user=user, trust=trust, leader=True)
    return user


def _count(trust: Trust) -> str:
    return str(Case.objects.filter(school__trust=trust).count())


def _total_cases(page: str) -> str:
    """The trust's all-terms total row's count of cases, as the page shows it."""
    return re.search(r'<th scope="row">All terms</th>\s*<td class="text-end">(\d+)</td>', page).group(1)


def test_the_stored_figures_are_the_live_selectors_for_every_term():
    trust = Trust.objects.create(name="Northern Trust")
    for code, n in (("AAA", 6), ("BBB", 3), ("CCC", 0)):
        _cases_of(_school(trust, code), n)
    _cases_of(_school(None, "OUT"), 2)
    leader = _leader("trustleader", trust)
    trust_statistics_refresh(trust=trust)

    this_term = reports.term_of(timezone.localdate())
    no_cases_term = reports.term_of(timezone.localdate() - datetime.timedelta(days=800))
    for term in (None, this_term, LAST_TERM, no_cases_term):
        [stored], missing = stored_trust_statistics(leader, term=term)
        assert missing == []
        assert stored.computed_at is not None
        assert dataclasses.replace(stored, computed_at=None) == trust_statistics(trust, term=term), term
    assert [row.label for row in stored.by_school] == ["AAA Academy", "BBB Academy", "CCC Academy"]
    assert stored.total.cases == int(_count(trust)) and stored.total.by_response


def test_the_page_with_stored_figures_reads_no_case_in_a_few_queries(client):
    trust = Trust.objects.create(name="Northern Trust")
    for code in ("AAA", "BBB"):
        _cases_of(_school(trust, code), 4)
    client.force_login(_leader("trustleader", trust))
    trust_statistics_refresh(trust=trust)
    for query in ({}, {"term": LAST_TERM.starts_on.isoformat()}):
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/trust/", query).content.decode()
        assert "AAA Academy" in page and _total_cases(page) == _count(trust)
        read = [q["sql"] for q in queries.captured_queries]
        assert not [sql for sql in read if CASES_TABLE.search(sql)], "the page read the cases"
        # Sign-in, the session and the schools' menu take their usual ten; the figures two: whether the
        # user leads a trust (allowed_if), and the trusts they lead with their stored figures.
        assert len([sql for sql in read if "policies_trust" in sql or "incidents_truststatistics" in sql]) == 2
        assert len(read) <= 12, read


def test_a_new_trust_is_worked_out_on_its_first_view_and_read_stored_after(client):
    trust = Trust.objects.create(name="Northern Trust")
    _cases_of(_school(trust, "AAA"), 3)
    client.force_login(_leader("trustleader", trust))
    page = client.get("/trust/").content.decode()
    assert _total_cases(page) == _count(trust) and "Figures as at" in page
    assert TrustStatisticsSnapshot.objects.filter(trust=trust).exists()
    with CaptureQueriesContext(connection) as queries:
        client.get("/trust/")
    assert not [q for q in queries.captured_queries if CASES_TABLE.search(q["sql"])]


def test_the_page_says_when_the_figures_were_worked_out_and_when_they_are_late(client):
    trust = Trust.objects.create(name="Northern Trust")
    _cases_of(_school(trust, "AAA"), 1)
    client.force_login(_leader("trustleader", trust))
    snapshot = trust_statistics_refresh(trust=trust)

    at = timezone.now() - datetime.timedelta(minutes=30)
    TrustStatisticsSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=at)
    local = timezone.localtime(at)
    day = "today" if local.date() == timezone.localdate() else "yesterday"
    page = client.get("/trust/").content.decode()
    assert f"Figures as at {local:%H:%M} {day}. They are worked out again every hour." in page

    at = timezone.make_aware(datetime.datetime(2026, 12, 3, 14, 0))
    TrustStatisticsSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=at)
    page = client.get("/trust/").content.decode()
    assert "Figures as at 14:00 on 3 December 2026. They should be worked out again every hour but" in page
    assert "They are worked out again every hour." not in page


def test_a_leader_of_one_trust_never_sees_another_trusts_figures(client):
    north, south = Trust.objects.create(name="Northern Trust"), Trust.objects.create(name="Southern Trust")
    _cases_of(_school(north, "AAA"), 2)
    _cases_of(_school(south, "BBB"), 5)
    trust_statistics_refresh(trust=south)  # the other trust's figures are stored; this one's are not yet
    client.force_login(_leader("northleader", north))
    for query in ({}, {"term": LAST_TERM.starts_on.isoformat()}, {}):
        page = client.get("/trust/", query).content.decode()
        assert "Northern Trust" in page and "AAA Academy" in page
        assert "Southern Trust" not in page and "BBB Academy" not in page
        assert _total_cases(page) == _count(north)
    assert len(re.findall(r"All terms</th>", client.get("/trust/").content.decode())) == 1

    client.force_login(_leader("bothleader", north, south))
    page = client.get("/trust/").content.decode()
    assert "AAA Academy" in page and "BBB Academy" in page


def test_the_hourly_job_refreshes_every_trust_and_a_new_case_shows_after_the_next(client):
    north, south = Trust.objects.create(name="Northern Trust"), Trust.objects.create(name="Southern Trust")
    aaa = _school(north, "AAA")
    _cases_of(aaa, 2)
    _cases_of(_school(south, "BBB"), 3)
    assert tasks.refresh_trust_statistics.delay(hour="2026-12-06T06").get() == {"trusts": 2}
    assert set(TrustStatisticsSnapshot.objects.values_list("trust__name", flat=True)) == {
        "Northern Trust", "Southern Trust"}
    client.force_login(_leader("northleader", north))
    before = _count(north)
    assert _total_cases(client.get("/trust/").content.decode()) == before

    case = factories.CaseFactory(school=aaa, reference="AAA-2026-0099")
    factories.ConcernFactory(school=aaa, case=case)
    after = _count(north)
    assert int(after) == int(before) + 1 and Concern.objects.filter(case=case).exists()
    assert _total_cases(client.get("/trust/").content.decode()) == before, "read live, not stored"
    assert "skipped" in tasks.refresh_trust_statistics.delay(hour="2026-12-06T06").get()  # a second beat
    assert _total_cases(client.get("/trust/").content.decode()) == before

    assert tasks.refresh_trust_statistics.delay(hour="2026-12-06T07").get() == {"trusts": 2}
    assert _total_cases(client.get("/trust/").content.decode()) == after


def test_beat_queues_it_every_hour_with_time_for_a_big_trust():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-trust-statistics"]
    assert entry["task"] == tasks.refresh_trust_statistics.name
    assert entry["schedule"].is_due(timezone.now() - datetime.timedelta(minutes=61)).is_due
    assert entry["schedule"].remaining_estimate(timezone.now()) <= datetime.timedelta(hours=1)
    task = app.tasks[tasks.refresh_trust_statistics.name]
    assert task.soft_time_limit > app.conf.task_soft_time_limit
    assert task.soft_time_limit < task.time_limit == tasks.RUNNING_SECONDS < 3600
