import shutil

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.evidence import services as evidence_services
from incidents.models import Case, Evidence
from tests import factories


@pytest.fixture
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_installation_with_the_same_cases_and_hashes(
    private_files, tmp_path, log_concern, office, lead, capsys
):
    case = log_concern(by=office).case
    case_services.case_transition(case=case, to="investigating", by=lead)
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png", provided_by="x",
                                   provided_at=timezone.now())
    log_concern(by=office)
    before_cases = sorted(Case.objects.values_list("reference", "status"))
    before_hashes = sorted(Evidence.objects.values_list("sha256", flat=True))
    archive = tmp_path / "backup.tar.gz"
    call_command("backup_casebook", output=archive)

    call_command("flush", interactive=False)  # an empty installation…
    shutil.rmtree(private_files)  # …with no private files
    assert not Case.objects.exists()

    call_command("restore_casebook", str(archive))
    assert sorted(Case.objects.values_list("reference", "status")) == before_cases
    assert sorted(Evidence.objects.values_list("sha256", flat=True)) == before_hashes
    capsys.readouterr()
    call_command("verify_integrity")  # files and timelines come back byte for byte
    assert "Everything matches" in capsys.readouterr().out


@pytest.mark.django_db
def test_restore_refuses_an_installation_that_has_cases(private_files, tmp_path, log_concern):
    archive = tmp_path / "backup.tar.gz"
    log_concern()
    call_command("backup_casebook", output=archive)
    with pytest.raises(CommandError, match="already has cases"):
        call_command("restore_casebook", str(archive))
