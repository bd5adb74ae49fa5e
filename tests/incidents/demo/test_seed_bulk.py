"""seed_bulk: realistic bulk cases for measuring Casebook at scale. Small numbers here;
the 100,000-case runs are benchmarks (bench/), never tests."""

import pytest
from django.core.management import CommandError, call_command

from incidents.demo import bulk
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
)
from incidents.records import integrity

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
    cases = bulk.bulk_cases()
    schools = {case.school for case in cases}
    assert len(schools) == 3
    counts = sorted(cases.filter(school=school).count() for school in schools)
    assert counts[0] != counts[-1]  # uneven, as real schools are
    for school in schools:
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
