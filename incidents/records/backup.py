"""Backup and restore: the database (as Django fixtures, so an archive restores on SQLite or
PostgreSQL alike) and the private files, in one .tar.gz archive.

Layout of an archive:
    casebook-backup/database.jsonl  every row of every backed-up table, one per line (natural foreign keys)
    casebook-backup/files/...       MEDIA_ROOT, byte for byte
    casebook-backup/manifest.json   when, Django version, SHA-256 of the database and of every file

Archives written before the streaming export hold `database.json` (dumpdata) and put the manifest
first; they restore the same way.

A restore gives back every row as it was, primary keys included, field history and its many-to-many
tables too: history is written only by the rows' own changes, never by loading them.
"""

import datetime
import hashlib
import json
import shutil
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import override_settings

from incidents.models import Case

ROOT = "casebook-backup"
# Rebuilt by migrations, or not worth keeping (sessions, sign-in throttling).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]
CHUNK = 1024 * 1024
FORMAT = 2


class RestoreError(Exception):
    pass


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder cuts them to the millisecond, and a restored
    history row must be the row that was saved."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def backed_up_models() -> list[type[Model]]:
    """Every model whose rows an archive holds, in an order where natural keys load before their use."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.label not in EXCLUDED]
    return [
        model for model in serializers.sort_dependencies(app_list, allow_cycles=True)
        if not model._meta.proxy and model._meta.managed and model._meta.label_lower not in EXCLUDED
    ]


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """Every table read as of one moment: on PostgreSQL one read-only repeatable-read transaction,
    so a case saved during the export is in it whole or not at all."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _database_dump(handle: IO[str]) -> None:
    """Write every backed-up row to `handle` as JSON lines, a model at a time, never all in memory.
    Groups are matched by name (a new installation makes the roles itself); every other row keeps
    its primary key."""
    serializer = serializers.get_serializer("jsonl")()
    for model in backed_up_models():
        rows = model._base_manager.order_by("pk").iterator(chunk_size=2000)
        serializer.serialize(rows, stream=handle, use_natural_foreign_keys=True,
                             use_natural_primary_keys=model is Group, cls=_ExactJSONEncoder)


class HashingReader:
    """Reads a file for the archive and keeps its SHA-256 of exactly the bytes that went in."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> str:
    """Stream one file into the archive; returns its SHA-256."""
    with path.open("rb") as handle:
        info = archive.gettarinfo(fileobj=handle, arcname=f"{ROOT}/{name}")
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = HashingReader(handle)
        archive.addfile(info, reader)  # tarfile reads exactly info.size bytes through it
    return reader.digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def private_files() -> list[Path]:
    media_root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def backup_write(*, destination: Path) -> dict:
    """Write the database and the private files to `destination` (.tar.gz). Returns the manifest.

    Writes: the archive only, first under a temporary name so that an interrupted export leaves no
    file that looks whole. Reads the database in one snapshot and streams files from disk.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{uuid.uuid4().hex}.partial")
    media_root = Path(settings.MEDIA_ROOT)
    try:
        with _one_snapshot(), tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
            database = Path(scratch) / "database.jsonl"
            with database.open("w", encoding="utf-8") as handle:
                _database_dump(handle)
            with tarfile.open(partial, "w:gz") as archive:
                database_sha256 = _add_file(archive, "database.jsonl", database)
                files = {str(path.relative_to(media_root)): _add_file(
                    archive, f"files/{path.relative_to(media_root).as_posix()}", path) for path in private_files()}
                manifest = {
                    "format": FORMAT,
                    "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                    "django": django.get_version(),
                    "database_vendor": connection.vendor,
                    "database": "database.jsonl",
                    "database_sha256": database_sha256,
                    "files": files,
                }
                manifest_path = Path(scratch) / "manifest.json"
                manifest_path.write_text(json.dumps(manifest, indent=2))
                _add_file(archive, "manifest.json", manifest_path)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _safe_relative(name: str) -> PurePosixPath:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise RestoreError(f"Unsafe path in the archive: {name}")
    return relative


def _copy_hashing(source: IO[bytes], target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _unpack(source: Path, staging: Path) -> tuple[dict, Path, dict[str, str]]:
    """Read the archive once, front to back, into `staging`: its manifest, its database file and the
    SHA-256 of every private file, computed as each is written (the database's under the key "")."""
    manifest: dict | None = None
    database: Path | None = None
    digests: dict[str, str] = {}
    with tarfile.open(source, "r:gz") as archive:
        for member in archive:
            relative = _safe_relative(member.name)
            if member.isdir():
                continue
            if not member.isfile() or relative.parts[0] != ROOT or len(relative.parts) < 2:
                raise RestoreError(f"Unexpected entry in the archive: {member.name}")
            inner = PurePosixPath(*relative.parts[1:])
            handle = archive.extractfile(member)
            if handle is None:
                raise RestoreError(f"Unreadable entry in the archive: {member.name}")
            if inner.as_posix() == "manifest.json":
                manifest = json.loads(handle.read())
                continue
            if inner.parts[0] == "files" and len(inner.parts) > 1:
                target = staging / "files" / PurePosixPath(*inner.parts[1:])
                key = str(PurePosixPath(*inner.parts[1:]))
            elif inner.as_posix() in ("database.json", "database.jsonl"):
                target = staging / inner.name
                database = target
                key = ""
            else:
                raise RestoreError(f"Unexpected entry in the archive: {member.name}")
            digests[key] = _copy_hashing(handle, target)
        # Read the compressed stream to its end: an archive cut short after its last entry (its end
        # blocks or the gzip trailer lost in copying) is refused like any other truncated copy.
        assert archive.fileobj is not None
        while archive.fileobj.read(CHUNK):
            pass
    if manifest is None:
        raise RestoreError("The archive has no manifest.json.")
    if database is None:
        raise RestoreError("The archive has no database.")
    return manifest, database, digests


def backup_restore(*, source: Path) -> dict:
    """Restore an archive into an empty, migrated installation. Refuses a database that has cases.

    Writes: every row of the archive (as it was: field history is not written again by the load)
    and every private file. Checks the database and every file against the manifest's SHA-256
    before anything is written; a damaged or truncated archive changes nothing.
    """
    if Case.objects.exists():
        raise RestoreError("This installation already has cases: restore only into an empty one.")
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        try:
            manifest, database, digests = _unpack(source, staging)
        except (tarfile.TarError, EOFError, OSError, zlib.error, json.JSONDecodeError) as error:
            raise RestoreError(f"The archive is damaged or incomplete and was not restored ({error}).") from None
        if digests.pop("") != manifest.get("database_sha256"):
            raise RestoreError(f"{database.name} does not match the manifest: the archive is damaged.")
        expected = manifest.get("files", {})
        for relative in expected:
            _safe_relative(relative)
        missing = sorted(set(expected) - set(digests))
        if missing:
            raise RestoreError(f"The archive has no files/{missing[0]}.")
        for relative, digest in digests.items():
            if expected.get(relative) != digest:
                raise RestoreError(f"{relative} does not match the manifest: the archive is damaged.")
        # Loading a row is not a change to it: simple_history would otherwise add a history row for
        # every many-to-many it sets, on top of the ones the archive holds.
        with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
            call_command("loaddata", str(database), verbosity=0)
        for relative in expected:
            target = media_root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staging / "files" / relative, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
