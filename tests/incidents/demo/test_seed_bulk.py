"""seed_bulk: realistic bulk cases for measuring Casebook at scale. Small numbers here;
the 100,000-case runs are benchmarks (bench/), never tests."""

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Case, CaseEvent, Concern, Decision, Evidence, Letter
from incidents.records import integrity

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk_school(school, office, lead, head, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return school


def test_seed_bulk_fills_cases_with_what_a_real_case_gathers(bulk_school, capsys):
    call_command("seed_bulk", "--cases", "60")
    assert "Added in" in capsys.readouterr().out
    cases = Case.objects.filter(reference__startswith="BK")
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
    assert CaseEvent.objects.filter(case__reference__startswith="BK").count() >= 40
    assert list(integrity.timeline_mismatches()) == []


def test_seed_bulk_evidence_records_match_their_shared_sample_files(bulk_school):
    call_command("seed_bulk", "--cases", "20")
    assert list(integrity.evidence_mismatches()) == []


def test_seed_bulk_never_uses_the_references_real_cases_get(bulk_school, log_concern):
    call_command("seed_bulk", "--cases", "20")
    concern = log_concern()
    prefix = f"{concern.school.code}-"
    assert concern.case.reference.startswith(prefix)
    assert concern.case.reference.endswith("-0001")
    assert not Case.objects.filter(reference__startswith=prefix).exclude(pk=concern.case.pk).exists()


def test_seed_bulk_refuses_a_second_run_without_force(bulk_school):
    call_command("seed_bulk", "--cases", "5")
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_bulk", "--cases", "5")
    call_command("seed_bulk", "--cases", "5", "--force")
    assert Case.objects.filter(reference__startswith="BK").count() == 10
    assert list(integrity.timeline_mismatches()) == []


def test_seed_bulk_spreads_cases_over_several_schools(bulk_school):
    call_command("seed_bulk", "--cases", "30", "--schools", "3")
    assert Case.objects.values("school").distinct().count() == 3


def test_seed_bulk_cases_entered_their_status_when_their_timeline_says(bulk_school):
    call_command("seed_bulk", "--cases", "30")
    for case in Case.objects.filter(reference__startswith="BK"):
        changes = case.events.filter(kind=CaseEvent.Kind.STATUS).order_by("-at")
        assert case.status_changed_at == (changes[0].at if changes else case.opened_at), case.reference
