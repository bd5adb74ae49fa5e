"""Backup and restore: the database (as Django fixtures, so an archive restores on SQLite or
PostgreSQL alike) and the private files, in one .tar.gz archive.

Layout of an archive:
    casebook-backup/manifest.json   when, Django version, counts, SHA-256 of every file
    casebook-backup/database.json   dumpdata of every app (natural keys)
    casebook-backup/files/...       MEDIA_ROOT, byte for byte
"""

import datetime
import gzip
import io
import json
import tarfile
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from incidents.evidence.uploads import sha256_of
from incidents.models import Case

ROOT = "casebook-backup"
# Rebuilt by migrations, or not worth keeping (sessions, sign-in throttling).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]


class RestoreError(Exception):
    pass


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"{ROOT}/{name}")
    info.size = len(data)
    info.mtime = int(datetime.datetime.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup_write(*, destination: Path) -> dict:
    """Write the database and the private files to `destination` (.tar.gz). Returns the manifest."""
    database = io.StringIO()
    call_command("dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUDED, indent=None,
                 stdout=database)
    database_bytes = database.getvalue().encode()
    media_root = Path(settings.MEDIA_ROOT)
    files = sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []
    manifest = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "django": django.get_version(),
        "database_vendor": connection.vendor,
        "database_sha256": sha256_of(database_bytes),
        "files": {str(p.relative_to(media_root)): sha256_of(p.read_bytes()) for p in files},
    }
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(destination, "w:gz") as archive:
        _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        _add_bytes(archive, "database.json", database_bytes)
        for path in files:
            archive.add(path, arcname=f"{ROOT}/files/{path.relative_to(media_root)}")
    return manifest


def _member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(f"{ROOT}/{name}")
    if member is None:
        raise RestoreError(f"The archive has no {name}.")
    return member.read()


def _check_complete(source: Path) -> None:
    """Read the compressed stream to its end, checksum included: a copy cut short raises EOFError
    here, before anything is written (tarfile alone stops at the archive's end marker)."""
    with gzip.open(source, "rb") as stream:
        while stream.read(1024 * 1024):
            pass


def backup_restore(*, source: Path) -> dict:
    """Restore an archive into an empty, migrated installation. Refuses a database that has cases.

    Checks every file against the manifest's SHA-256 before anything is written.
    """
    if Case.objects.exists():
        raise RestoreError("This installation already has cases: restore only into an empty one.")
    _check_complete(source)
    with tarfile.open(source, "r:gz") as archive:
        manifest = json.loads(_member_bytes(archive, "manifest.json"))
        database_bytes = _member_bytes(archive, "database.json")
        if sha256_of(database_bytes) != manifest["database_sha256"]:
            raise RestoreError("database.json does not match the manifest: the archive is damaged.")
        files = {}
        for relative, digest in manifest["files"].items():
            if Path(relative).is_absolute() or ".." in Path(relative).parts:
                raise RestoreError(f"Unsafe path in the archive: {relative}")
            data = _member_bytes(archive, f"files/{relative}")
            if sha256_of(data) != digest:
                raise RestoreError(f"{relative} does not match the manifest: the archive is damaged.")
            files[relative] = data
    fixture = Path(settings.MEDIA_ROOT).parent / "restore-database.json"
    fixture.parent.mkdir(parents=True, exist_ok=True)
    fixture.write_bytes(database_bytes)
    try:
        with transaction.atomic():
            call_command("loaddata", str(fixture), verbosity=0)
    finally:
        fixture.unlink(missing_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    for relative, data in files.items():
        target = media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return manifest
