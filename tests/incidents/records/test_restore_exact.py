"""Backup → restore gives back every row of every table, field history and its many-to-many tables
included, and an archive written before the export changed still restores."""

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core import serializers
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.chats import services as chat_services
from incidents.evidence import services as evidence_services
from incidents.letters import services as letter_services
from incidents.models import Case
from incidents.records.backup import EXCLUDED
from incidents.roles import ROLE_PERMISSIONS
from tests import factories
from tests.incidents.chats.conftest import DEMO_CHAT, JPEG, make_zip
from tests.incidents.letters.letter_setup import realistic_case

LEGACY_ARCHIVE = Path(__file__).parent / "data" / "casebook-2026-12-05-legacy.tar.gz"


def _backed_up_models() -> list:
    return [model for model in apps.get_models()
            if model._meta.app_label not in EXCLUDED and model._meta.label_lower not in EXCLUDED]


def every_row() -> dict[str, list]:
    """Every backed-up model's rows, foreign keys by natural key where a model has one (content types
    and permissions are rebuilt by migrations, so their ids may differ), many-to-many included."""
    rows = {}
    for model in _backed_up_models():
        queryset = model._default_manager.order_by("pk")
        serialized = serializers.serialize("python", queryset, use_natural_foreign_keys=True,
                                           use_natural_primary_keys=model is Group)
        rows[model._meta.label] = [(row.get("pk"), row["fields"]) for row in serialized]
    return rows


def _an_empty_installation(media_root: Path) -> None:
    call_command("flush", interactive=False)  # content types and permissions come back…
    for role, codenames in ROLE_PERMISSIONS.items():  # …and the roles, as migration 0003 makes them
        group = Group.objects.create(name=role)
        for name in codenames:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    shutil.rmtree(media_root, ignore_errors=True)
    assert not Case.objects.exists()


@pytest.fixture
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def school_year(private_files, school, office, lead, head, log_concern):
    """Two cases whose parents, assignees and clauses changed (many-to-many history), evidence, a
    chat with a photo, a letter with its PDF, a restricted case opened by the Head Teacher."""
    case, parent = realistic_case(school=school, office=office, lead=lead)
    other = log_concern(by=office).case
    other.parents.add(factories.ParentFactory(school=school, first_name="Zed", last_name="Other"))
    case_services.case_update(case=other, by=lead, expected_version=other.version, lead=lead, assignees=[office])
    case_services.case_transition(case=case, to="investigating", by=lead)
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png", provided_by="x",
                                   provided_at=timezone.now())
    zipped = make_zip({"WhatsApp Chat with Year 4.txt": DEMO_CHAT, "IMG-0001.jpg": JPEG})
    chat_services.evidence_add_chat(case=case, by=office, data=zipped, file_name="chat.zip",
                                    provided_by="Ruth Adeyemi", provided_at=timezone.now())
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    letter_services.letter_render_pdf(letter_id=letter.pk)
    case_services.case_set_restricted(case=other, by=head, restricted=True, reason="A relative of staff")
    case_services.case_access_record(case=other, user=head)
    return case, other


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_gives_identical_rows_in_every_table(school_year, private_files, tmp_path):
    before = every_row()
    assert before["incidents.HistoricalCase_parents"] and before["incidents.HistoricalCase_assignees"]
    files_before = {p.relative_to(private_files): p.read_bytes() for p in private_files.rglob("*") if p.is_file()}
    archive = tmp_path / "backup.tar.gz"
    call_command("backup_casebook", output=archive)

    _an_empty_installation(private_files)
    call_command("restore_casebook", str(archive))

    after = every_row()
    for label, rows in before.items():
        assert after[label] == rows, f"{label} differs after the restore"
    files_after = {p.relative_to(private_files): p.read_bytes() for p in private_files.rglob("*") if p.is_file()}
    assert files_after == files_before


@pytest.mark.django_db(transaction=True)
def test_a_restored_case_history_shows_only_its_own_parents(school_year, private_files, tmp_path):
    case, other = school_year
    own = {case.pk: set(case.parents.values_list("pk", flat=True)),
           other.pk: set(other.parents.values_list("pk", flat=True))}
    archive = tmp_path / "backup.tar.gz"
    call_command("backup_casebook", output=archive)
    _an_empty_installation(private_files)
    call_command("restore_casebook", str(archive))

    for restored in Case.objects.all():
        for record in restored.history.all():
            assert {row.parent_id for row in record.parents.all()} <= own[restored.pk]


@pytest.mark.django_db(transaction=True)
def test_an_archive_written_by_the_earlier_export_still_restores_exactly(private_files, tmp_path, capsys):
    _an_empty_installation(private_files)
    call_command("restore_casebook", str(LEGACY_ARCHIVE))
    restored = every_row()
    assert len(restored["incidents.Case"]) == 2
    with tarfile.open(LEGACY_ARCHIVE) as archive:
        written = json.load(archive.extractfile("casebook-backup/database.json"))
    m2m_history = [row for row in written if row["model"] == "incidents.historicalcase_parents"]
    assert len(restored["incidents.HistoricalCase_parents"]) == len(m2m_history)  # as written, not doubled
    assert {path.name for path in private_files.rglob("*.pdf")} == {"1-v1.pdf"}
    capsys.readouterr()
    call_command("verify_integrity")
    assert "Everything matches" in capsys.readouterr().out

    # …and it goes round again unchanged through today's export.
    archive = tmp_path / "again.tar.gz"
    call_command("backup_casebook", output=archive)
    _an_empty_installation(private_files)
    call_command("restore_casebook", str(archive))
    assert every_row() == restored


@pytest.mark.django_db(transaction=True)
def test_the_export_reads_one_repeatable_read_snapshot_on_postgresql(needs_postgresql, private_files, tmp_path,
                                                                     monkeypatch, log_concern):
    from django.db import connection

    from incidents.records import backup

    log_concern()
    seen = []
    dump = backup._database_dump

    def dump_and_look(handle):
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            seen.append(cursor.fetchone()[0])
            cursor.execute("SHOW transaction_read_only")
            seen.append(cursor.fetchone()[0])
        dump(handle)

    monkeypatch.setattr(backup, "_database_dump", dump_and_look)
    call_command("backup_casebook", output=tmp_path / "backup.tar.gz")
    assert seen == ["repeatable read", "on"]


@pytest.mark.django_db(transaction=True)
def test_an_archive_with_a_damaged_file_restores_nothing(school_year, private_files, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup_casebook", output=archive)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name.endswith(".pdf"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    _an_empty_installation(private_files)
    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("restore_casebook", str(damaged))
    assert not Case.objects.exists()
    assert not any(path.is_file() for path in private_files.rglob("*")) if private_files.exists() else True
    assert not list(private_files.parent.glob(".restore-*"))
