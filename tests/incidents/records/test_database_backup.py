"""Encrypted PostgreSQL backups (`make backup`) and their restore into another, empty database."""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pyrage
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from psycopg import sql
from pyrage import passphrase as age_passphrase
from pyrage import x25519

from incidents.evidence import services as evidence_services
from incidents.models import Case
from incidents.records import pgbackup
from incidents.records.pgbackup import BackupError, database_backup_restore
from tests import factories
from tests.services import require

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def postgresql(transactional_db):
    """pg_dump reads the test database from another process, so the data must be committed."""
    require(connection.vendor == "postgresql", "needs PostgreSQL: pg_dump and pg_restore back up PostgreSQL only")


@pytest.fixture
def backup_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_PASSPHRASE = PASSPHRASE
    return settings


def _admin_connect(database: dict, name: str = "postgres") -> psycopg.Connection:
    return pgbackup._connect({**database, "NAME": name})


@pytest.fixture
def restore_database(postgresql):
    """A separate, empty PostgreSQL database to restore into, dropped afterwards."""
    database = dict(connection.settings_dict)
    database["NAME"] = f"casebook_restore_test_{uuid.uuid4().hex[:10]}"
    with _admin_connect(database) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
    try:
        yield database
    finally:
        with _admin_connect(database) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database["NAME"])))


def _database_url(database: dict) -> str:
    credentials = quote(database["USER"] or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


def _take_backup() -> Path:
    call_command("backup_database", stdout=io.StringIO())
    (archive,) = Path(django_settings.BACKUP_DIR).glob("casebook-pg-*.tar")
    return archive


def _tables_of_every_model() -> list[tuple[str, str]]:
    """(table, primary key column) of every model, history models and many-to-many tables included."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        tables[model._meta.db_table] = model._meta.pk.column
    return sorted(tables.items())


def _rows(database: dict, table: str, pk: str) -> list[tuple]:
    with pgbackup._connect(database) as db:
        query = sql.SQL("SELECT * FROM {} ORDER BY {}").format(sql.Identifier(table), sql.Identifier(pk))
        return db.execute(query).fetchall()


def _digests(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def _restore_command(archive: Path, database: dict, media_root: Path, *extra: str,
                     passphrase: str = PASSPHRASE) -> subprocess.CompletedProcess:
    """restore_casebook as an operator runs it on the new server: its own process and settings."""
    env = {**os.environ, "DATABASE_URL": _database_url(database), "MEDIA_ROOT": str(media_root),
           "BACKUP_PASSPHRASE": passphrase, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "false"}
    return subprocess.run([sys.executable, "manage.py", "restore_casebook", str(archive), *extra],
                          cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_database_gives_identical_rows_and_files(
        postgresql, backup_settings, restore_database, tmp_path, demo_allowed):
    call_command("seed_demo", stdout=io.StringIO())
    archive = _take_backup()
    assert b"HistoricalCase" not in archive.read_bytes()  # encrypted: no table name readable in it

    restored_files = tmp_path / "restored-private"
    done = _restore_command(archive, restore_database, restored_files)

    assert done.returncode == 0, done.stderr
    assert "Everything matches" in done.stdout  # verify_integrity ran on the restored database
    compared = {}
    for table, pk in _tables_of_every_model():
        before = _rows(connection.settings_dict, table, pk)
        assert _rows(restore_database, table, pk) == before, f"{table} differs after restore"
        compared[table] = len(before)
    assert compared["incidents_case"] > 5 and compared["incidents_caseevent"] > 20
    assert sum(count for table, count in compared.items() if "historical" in table) > 20
    original_files = _digests(Path(backup_settings.MEDIA_ROOT))
    assert len(original_files) >= 3  # evidence and letter PDFs
    assert _digests(restored_files) == original_files


@pytest.mark.django_db(transaction=True)
def test_restore_with_a_wrong_passphrase_is_refused_and_writes_nothing(
        postgresql, backup_settings, restore_database, tmp_path, log_concern):
    log_concern()
    archive = _take_backup()
    with pytest.raises(BackupError, match="passphrase does not open this backup"):
        database_backup_restore(source=archive, database=restore_database, media_root=tmp_path / "restored",
                                passphrase="not the right passphrase at all")
    assert pgbackup._tables(restore_database) == {}
    assert not (tmp_path / "restored").exists()

    backup_settings.BACKUP_PASSPHRASE = "not the right passphrase at all"
    with pytest.raises(CommandError, match="passphrase does not open this backup"):
        call_command("restore_casebook", str(archive))


@pytest.mark.django_db(transaction=True)
def test_backup_without_a_passphrase_is_refused_and_leaves_no_unencrypted_copy(postgresql, backup_settings,
                                                                               log_concern):
    log_concern()
    backup_settings.BACKUP_PASSPHRASE = ""
    with pytest.raises(CommandError, match="BACKUP_PASSPHRASE is not set"):
        call_command("backup_database")
    backup_settings.BACKUP_PASSPHRASE = "short"
    with pytest.raises(CommandError, match="shorter than 12 characters"):
        call_command("backup_database")
    backups = Path(backup_settings.BACKUP_DIR)
    assert not backups.exists() or list(backups.rglob("*")) == []


@pytest.mark.django_db(transaction=True)
def test_restore_without_a_passphrase_is_refused(postgresql, backup_settings, log_concern):
    log_concern()
    archive = _take_backup()
    backup_settings.BACKUP_PASSPHRASE = ""
    with pytest.raises(CommandError, match="BACKUP_PASSPHRASE is not set"):
        call_command("restore_casebook", str(archive))


def _rewrite_payload(archive: Path, change) -> None:
    """Re-encrypt the archive's content after `change(members)` alters it, with the archive's own key,
    as someone holding the passphrase could: the manifest is left as it was."""
    with tarfile.open(archive, "r:") as outer:
        identity = pgbackup._unlock(outer, PASSPHRASE)
        key = outer.extractfile(pgbackup.KEY_NAME).read()
        encrypted = outer.extractfile(pgbackup.DATA_NAME).read()
    members = {}
    with tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(encrypted, [identity])), mode="r:") as inner:
        for member in inner.getmembers():
            members[member.name] = inner.extractfile(member).read()
    change(members)
    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as inner:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            inner.addfile(info, io.BytesIO(data))
    identity = x25519.Identity.from_str(age_passphrase.decrypt(key, PASSPHRASE).decode())
    with tarfile.open(archive, "w") as outer:
        for name, data in ((pgbackup.KEY_NAME, key),
                           (pgbackup.DATA_NAME, pyrage.encrypt(plain.getvalue(), [identity.to_public()]))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            outer.addfile(info, io.BytesIO(data))


def _flip_a_byte(members: dict, prefix: str) -> None:
    name = next(name for name in members if name.startswith(prefix))
    data = bytearray(members[name])
    data[len(data) // 2] ^= 1
    members[name] = bytes(data)


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda members: _flip_a_byte(members, "files/"), id="a-private-file-changed"),
    pytest.param(lambda members: _flip_a_byte(members, "database.dump"), id="the-dump-changed"),
    pytest.param(lambda members: members.pop(next(n for n in members if n.startswith("files/"))), id="a-file-removed"),
    pytest.param(lambda members: members.update({"files/added.pdf": b"%PDF-1.7 planted"}), id="a-file-added"),
])
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_archive_whose_content_does_not_match_its_manifest(
        postgresql, backup_settings, restore_database, tmp_path, case, office, tamper):
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png",
                                   provided_by="Ruth", provided_at=timezone.now())
    archive = _take_backup()
    _rewrite_payload(archive, tamper)
    with pytest.raises(BackupError, match="archive is damaged, so nothing was restored"):
        database_backup_restore(source=archive, database=restore_database, media_root=tmp_path / "restored",
                                passphrase=PASSPHRASE)
    assert pgbackup._tables(restore_database) == {}
    assert not (tmp_path / "restored").exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_archive_with_a_changed_encrypted_byte(postgresql, backup_settings, restore_database,
                                                                  tmp_path, log_concern):
    log_concern()
    archive = _take_backup()
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive, "r:") as outer:
        offset = outer.getmember(pgbackup.DATA_NAME).offset_data
        size = outer.getmember(pgbackup.DATA_NAME).size
    data[offset + size // 2] ^= 1
    archive.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="does not authenticate"):
        database_backup_restore(source=archive, database=restore_database, media_root=tmp_path / "restored",
                                passphrase=PASSPHRASE)
    assert pgbackup._tables(restore_database) == {}


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_holds_data_unless_told_to_replace_it(
        postgresql, backup_settings, restore_database, tmp_path, log_concern):
    log_concern()
    archive = _take_backup()
    cases = list(Case.objects.values_list("reference", flat=True))
    with pytest.raises(CommandError, match="already holds data .*incidents_case"):
        call_command("restore_casebook", str(archive))  # into this installation's own database
    assert list(Case.objects.values_list("reference", flat=True)) == cases

    first = _restore_command(archive, restore_database, tmp_path / "restored")
    assert first.returncode == 0, first.stderr
    again = _restore_command(archive, restore_database, tmp_path / "restored")
    assert again.returncode != 0 and "already holds data" in again.stderr
    replaced = _restore_command(archive, restore_database, tmp_path / "restored", "--replace-existing-data")
    assert replaced.returncode == 0, replaced.stderr
    assert [row[0] for row in _rows(restore_database, "incidents_case", "id")] == list(
        Case.objects.order_by("id").values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_migrated_but_unused_database_counts_as_empty(postgresql, backup_settings, restore_database, tmp_path,
                                                        log_concern):
    log_concern()
    archive = _take_backup()
    env = {**os.environ, "DATABASE_URL": _database_url(restore_database),
           "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=django_settings.BASE_DIR, env=env, check=True,
                   timeout=300)
    done = _restore_command(archive, restore_database, tmp_path / "restored")
    assert done.returncode == 0, done.stderr
    assert len(_rows(restore_database, "incidents_case", "id")) == Case.objects.count()


@pytest.mark.django_db(transaction=True)
def test_make_backup_makes_the_kind_of_backup_the_database_allows(backup_settings, log_concern):
    log_concern()
    out = io.StringIO()
    call_command("backup_database", stdout=out)
    made = sorted(path.name for path in Path(backup_settings.BACKUP_DIR).iterdir())
    if connection.vendor == "postgresql":
        assert len(made) == 1 and made[0].startswith("casebook-pg-") and made[0].endswith(".tar")
        assert pgbackup.is_database_backup(Path(backup_settings.BACKUP_DIR) / made[0])
    else:  # SQLite (development): the portable export, restorable anywhere
        assert "portable export" in out.getvalue()
        assert len(made) == 1 and made[0].endswith(".tar.gz")
