"""seed_bulk: realistic bulk cases for measuring Casebook at scale. Small numbers here;
the 100,000-case runs are benchmarks (bench/), never tests."""

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from incidents.demo import bulk
from incidents.demo.bulk_rows import DECIDED
from incidents.models import (
    Case,
    CaseEvent,
    Child,
    Concern,
    Contact,
    Decision,
    Evidence,
    Letter,
    Membership,
    Parent,
    Recommendation,
    ReferenceCounter,
    Statement,
    TrustMembership,
    User,
)
from incidents.records import integrity
from incidents.reports.statistics import decision_days_by_case
from incidents.trusts.selectors import trust_statistics
from policies.models import School, Trust

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk_school(school, office, lead, head, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return school


def test_seed_bulk_fills_cases_with_what_a_real_case_gathers(bulk_school, capsys):
    call_command("seed_bulk", "--cases", "60")
    assert "Added in" in capsys.readouterr().out
    cases = bulk.bulk_cases()
    assert cases.count() == 60
    assert Concern.objects.filter(case__in=cases).count() >= 60
    assert not cases.filter(concerns__isnull=True).exists()
    assert Evidence.objects.filter(case__in=cases).exists()
    assert Decision.objects.filter(case__in=cases).exists()
    assert Letter.objects.filter(case__in=cases).exists()
    assert len(set(cases.values_list("status", flat=True))) >= 4
    # Several years of cases, not all opened "now".
    years = {case.opened_at.year for case in cases}
    assert len(years) >= 3


def test_seed_bulk_timelines_are_valid_hash_chains(bulk_school):
    call_command("seed_bulk", "--cases", "20")
    assert CaseEvent.objects.filter(case__in=bulk.bulk_cases()).count() >= 40
    assert list(integrity.timeline_mismatches()) == []


def test_seed_bulk_evidence_records_match_their_shared_sample_files(bulk_school):
    call_command("seed_bulk", "--cases", "20")
    assert list(integrity.evidence_mismatches()) == []


def test_seed_bulk_references_carry_the_school_code_and_real_cases_carry_on_after_them(bulk_school, log_concern):
    call_command("seed_bulk", "--cases", "20")
    references = set(bulk.bulk_cases().values_list("reference", flat=True))
    assert all(reference.startswith(f"{bulk_school.code}-") for reference in references)
    concern = log_concern()
    year = int(concern.case.reference.split("-")[1])
    used = [int(ref.split("-")[2]) for ref in references if ref.split("-")[1] == str(year)]
    assert concern.case.reference not in references
    assert int(concern.case.reference.split("-")[2]) == max(used, default=0) + 1


def test_seed_bulk_refuses_a_second_run_without_force(bulk_school):
    call_command("seed_bulk", "--cases", "5")
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_bulk", "--cases", "5")
    call_command("seed_bulk", "--cases", "5", "--force")
    assert bulk.bulk_cases().count() == 10
    assert list(integrity.timeline_mismatches()) == []


def test_seed_bulk_spreads_cases_over_several_schools(bulk_school):
    call_command("seed_bulk", "--cases", "30", "--schools", "3")
    assert Case.objects.values("school").distinct().count() == 3


def test_seed_bulk_gives_each_school_its_own_cases_people_staff_and_references(bulk_school):
    call_command("seed_bulk", "--cases", "300", "--schools", "3")
    _assert_each_school_keeps_to_itself(bulk.bulk_cases(), schools=3)


@pytest.mark.django_db(transaction=True)
def test_seed_bulk_in_two_processes_keeps_each_school_to_itself(needs_postgresql, bulk_school):
    """--jobs 2: two processes, each writing its own schools; the same rules hold as in one. Run as an
    operator runs it, in a process of its own (forking the test process would copy its browser and
    server threads into the workers)."""
    database = connection.settings_dict
    url = (f"postgres://{quote(database['USER'] or '', safe='')}"
           + (f":{quote(database['PASSWORD'], safe='')}" if database.get("PASSWORD") else "")
           + f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}")
    done = subprocess.run(
        [sys.executable, "manage.py", "seed_bulk", "--cases", "400", "--schools", "4", "--jobs", "2", "-v2"],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert done.returncode == 0, done.stderr
    assert "part 1:" in done.stdout and "part 2:" in done.stdout
    cases = bulk.bulk_cases()
    assert cases.count() == 400
    _assert_each_school_keeps_to_itself(cases, schools=4)
    assert list(integrity.timeline_mismatches()) == []
    assert set(decision_days_by_case(cases)) == set(cases.filter(status__in=DECIDED).values_list("pk", flat=True))


def test_seed_bulk_refuses_several_jobs_inside_a_transaction(bulk_school):
    """Another process sees only committed rows: inside a transaction (here, the test's) several jobs
    would work from schools they cannot see, so the command refuses (on SQLite, because one writes at a time)."""
    with pytest.raises(CommandError, match="more than 1 needs PostgreSQL, outside a transaction"):
        call_command("seed_bulk", "--cases", "10", "--jobs", "2")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("seed_bulk", "--cases", "10", "--jobs", "0")
    assert not bulk.bulk_cases().exists()


def test_seed_bulk_records_each_decision_as_the_workflow_does(bulk_school):
    """A decided case's timeline moves to "awaiting decision" when the recommendation goes in and to
    "decided" when the Head decides, in that order and before it closes: the move the reports' time
    to decision counts, so every decided bulk case has one."""
    call_command("seed_bulk", "--cases", "80")
    cases = bulk.bulk_cases()
    decided = cases.filter(status__in=DECIDED)
    assert decided.count() >= 20
    assert set(decision_days_by_case(cases)) == set(decided.values_list("pk", flat=True))
    for case in decided:
        moves = list(case.events.filter(kind=CaseEvent.Kind.STATUS).order_by("pk").values_list("data__to", "at"))
        expected = ["investigating", "awaiting_decision", "decided"] + (["closed"] if case.closed_at else [])
        assert [to for to, _ in moves] == expected, case.reference
        assert [at for _, at in moves] == sorted(at for _, at in moves), case.reference
        assert moves[1][1] == case.recommendations.get().recommended_at
        assert moves[2][1] == case.decisions.get().decided_at


def test_seed_bulk_puts_several_schools_in_one_trust_whose_leader_reads_their_statistics(bulk_school, client):
    call_command("seed_bulk", "--cases", "90", "--schools", "3")
    trust = Trust.objects.get(name=bulk.BULK_TRUST)
    schools = set(bulk.bulk_cases().values_list("school", flat=True))
    assert set(School.objects.filter(trust=trust).values_list("pk", flat=True)) == schools
    leader = User.objects.get(username="bulk-trust-leader")
    assert TrustMembership.objects.get(user=leader, trust=trust).leader
    assert TrustMembership.objects.get(user__username="bulk-trust-safeguarding", trust=trust).safeguarding_lead
    figures = trust_statistics(trust).total
    assert figures.cases == 90 + Case.objects.exclude(pk__in=bulk.bulk_cases()).filter(school__in=schools).count()
    assert figures.decided >= 20 and figures.median_days is not None


def _assert_each_school_keeps_to_itself(cases, *, schools: int) -> None:
    schools_seen = {case.school for case in cases}
    assert len(schools_seen) == schools
    counts = sorted(cases.filter(school=school).count() for school in schools_seen)
    assert counts[0] != counts[-1]  # uneven, as real schools are
    for school in schools_seen:
        mine = cases.filter(school=school)
        # References carry the school's code and are unique within it (and the counter is past them).
        references = list(mine.values_list("reference", flat=True))
        assert all(reference.startswith(f"{school.code}-") for reference in references)
        assert len(references) == len(set(references))
        for year in {int(reference.split("-")[1]) for reference in references}:
            last = max(int(r.split("-")[2]) for r in references if r.split("-")[1] == str(year))
            assert ReferenceCounter.objects.get(school=school, year=year).last >= last
        # Every person and record a case touches is of the case's own school.
        assert not Parent.objects.filter(cases__in=mine).exclude(school=school).exists()
        assert not Child.objects.filter(parents__cases__in=mine).exclude(school=school).exists()
        assert not Concern.objects.filter(case__in=mine).exclude(school=school).exists()
        assert not Parent.objects.filter(concerns__case__in=mine).exclude(school=school).exists()
        groups = Concern.objects.filter(case__in=mine, group__isnull=False).values_list("group__school", flat=True)
        assert groups and set(groups) == {school.pk}
        # Staff on its cases are members of this school, and the bulk ones of no other.
        staff_ids = set()
        for field in ("created_by", "lead"):
            staff_ids |= set(mine.exclude(**{field: None}).values_list(field, flat=True))
        staff_ids |= set(Concern.objects.filter(case__in=mine).values_list("logged_by", flat=True))
        staff_ids |= set(Decision.objects.filter(case__in=mine).values_list("decided_by", flat=True))
        staff_ids |= set(Recommendation.objects.filter(case__in=mine).values_list("recommended_by", flat=True))
        staff_ids |= set(Statement.objects.filter(case__in=mine).values_list("recorded_by", flat=True))
        staff_ids |= set(Contact.objects.filter(case__in=mine).values_list("recorded_by", flat=True))
        staff_ids |= set(mine.values_list("assignees", flat=True).exclude(assignees=None))
        staff_ids |= set(mine.values_list("governors", flat=True).exclude(governors=None))
        members_here = set(Membership.objects.filter(school=school).values_list("user_id", flat=True))
        assert staff_ids <= members_here
        bulk_staff = Membership.objects.filter(user__username__startswith="bulk-", school=school)
        assert not Membership.objects.filter(user__in=bulk_staff.values("user")).exclude(school=school).exists()
        roles = set(bulk_staff.values_list("roles__name", flat=True))
        assert {"Head Teacher", "Investigating lead", "Office staff"} <= roles
    assert list(integrity.timeline_mismatches()) == []


def test_seed_bulk_with_cases_alone_fills_one_school(bulk_school):
    call_command("seed_bulk", "--cases", "40")
    assert set(bulk.bulk_cases().values_list("school", flat=True)) == {bulk_school.pk}


def test_seed_bulk_cases_entered_their_status_when_their_timeline_says(bulk_school):
    call_command("seed_bulk", "--cases", "30")
    for case in bulk.bulk_cases():
        changes = case.events.filter(kind=CaseEvent.Kind.STATUS).order_by("-at")
        assert case.status_changed_at == (changes[0].at if changes else case.opened_at), case.reference
