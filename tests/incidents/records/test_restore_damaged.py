"""A damaged or truncated backup archive given to the restore command: a plain message, nothing restored."""

import gzip

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Case, Evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def backup(private_files, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup_casebook", output=archive)  # of an empty installation, so restore may go ahead
    return archive


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_archive_is_refused_plainly(backup, tmp_path, keep):
    data = backup.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(CommandError, match="damaged or incomplete"):
        call_command("restore_casebook", str(cut))
    assert not Case.objects.exists() and not Evidence.objects.exists()


@pytest.mark.parametrize("content", [b"", b"not a backup at all", gzip.compress(b"not a tar file" * 100),
                                     b"\x1f\x8b\x08\x00" + b"\x00" * 50])
def test_a_file_that_is_not_a_backup_is_refused_plainly(private_files, tmp_path, content):
    wrong = tmp_path / "wrong.tar.gz"
    wrong.write_bytes(content)
    with pytest.raises(CommandError, match="damaged or incomplete"):
        call_command("restore_casebook", str(wrong))
