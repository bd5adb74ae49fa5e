"""sweep_files finds files in private storage that no record points to; it reports them, or moves them
aside with a log, and never deletes anything."""

import json
import os
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from incidents.evidence import services as evidence_services
from tests.incidents.conftest import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def stray(private_files):
    """A file left behind by a save that failed after writing it, two hours ago."""
    path = private_files / "evidence" / "7" / "0123456789abcdef"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"left behind")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(path, (two_hours_ago, two_hours_ago))
    return path


@pytest.fixture
def recorded(case, office, private_files):
    evidence = evidence_services.evidence_add(case=case, by=office, data=PNG, file_name="shot.png",
                                              provided_by="x", provided_at=timezone.now())
    return private_files / evidence.file.name


def test_sweep_reports_a_file_with_no_record_and_changes_nothing(stray, recorded, capsys):
    call_command("sweep_files", min_age_minutes=0)
    out = capsys.readouterr().out
    assert "NO RECORD evidence/7/0123456789abcdef" in out and "Nothing was changed" in out
    assert recorded.name not in out
    assert stray.read_bytes() == b"left behind" and recorded.exists()


def test_sweep_leaves_a_young_file_alone(private_files, capsys):
    young = private_files / "evidence" / "1" / "being-saved"
    young.parent.mkdir(parents=True)
    young.write_bytes(b"an upload still saving")
    call_command("sweep_files")
    assert "Every stored file belongs to a record." in capsys.readouterr().out


def test_sweep_quarantine_moves_the_file_aside_with_a_log(stray, recorded, private_files, capsys):
    call_command("sweep_files", quarantine=True)
    assert not stray.exists() and recorded.exists()
    [log_path] = (private_files.parent / "quarantine").glob("*/quarantine.json")
    log = json.loads(log_path.read_text())
    [entry] = log["files"]
    assert entry["from"] == "evidence/7/0123456789abcdef" and entry["size"] == len(b"left behind")
    assert (log_path.parent / entry["from"]).read_bytes() == b"left behind"
    assert "moved to" in capsys.readouterr().out


def test_sweep_with_nothing_stray_says_so(recorded, capsys):
    call_command("sweep_files", min_age_minutes=0)
    assert "Every stored file belongs to a record." in capsys.readouterr().out


def test_sweep_refuses_when_the_files_are_in_object_storage(settings):
    settings.CASEBOOK_STORAGE = "s3"
    with pytest.raises(CommandError, match="object storage"):
        call_command("sweep_files")
