"""Encrypted PostgreSQL backups: a consistent pg_dump, the private files and a manifest of their
SHA-256 digests, in one archive that only the backup passphrase opens.

An archive (`casebook-pg-YYYYMMDD-HHMMSS.tar`) is a plain tar of three members:
    casebook-pg-backup/README.txt     how to open it by hand
    casebook-pg-backup/key.age        this archive's own age (X25519) key, encrypted with the
                                      passphrase (age's scrypt recipient)
    casebook-pg-backup/data.tar.age   a tar encrypted to that key: database.dump (pg_dump
                                      --format=custom), files/… (MEDIA_ROOT), manifest.json (last)

Why a key inside the archive instead of encrypting the data with the passphrase directly: pyrage
streams only to key recipients; its passphrase API takes and returns whole byte strings, and a backup
must not be held in memory. A passphrase-protected key file is age's own pattern (`age -d -i key.age`),
so the archive opens with the age command-line tool too.

The database is dumped to a private temporary directory beside the backups, and a restore unpacks to
one in the system's temporary directory (TMPDIR): both are removed when the work ends, but need free
space about the size of the dump.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
import psycopg
import pyrage
from psycopg import sql
from psycopg.conninfo import make_conninfo
from pyrage import passphrase as age_passphrase
from pyrage import x25519

from incidents.records.backup import HashingReader

ROOT = "casebook-pg-backup"
KEY_NAME = f"{ROOT}/key.age"
DATA_NAME = f"{ROOT}/data.tar.age"
README_NAME = f"{ROOT}/README.txt"
DUMP_NAME = "database.dump"
MANIFEST_NAME = "manifest.json"
FORMAT = "casebook-pg-backup 1"
MINIMUM_PASSPHRASE = 12
CHUNK = 1024 * 1024
# Rows that `migrate` writes by itself: a database holding only these is still empty.
MIGRATE_FILLS = {"django_migrations", "django_content_type", "auth_permission", "auth_group",
                 "auth_group_permissions"}

README_TEXT = """\
A Casebook database backup. Restore it with:  manage.py restore_casebook THIS-FILE
(BACKUP_PASSPHRASE set to the passphrase it was made with). By hand, with the age tool:
    tar -xf THIS-FILE
    age -d -i casebook-pg-backup/key.age casebook-pg-backup/data.tar.age | tar -x
(age asks for the passphrase), then pg_restore database.dump; files/ is MEDIA_ROOT.
"""


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why in plain words."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: dict


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def passphrase_check(value: str, *, for_backup: bool) -> None:
    if not value:
        raise BackupError("BACKUP_PASSPHRASE is not set. Set it to the backup passphrase: Casebook makes no "
                          "unencrypted database backups.")
    if for_backup and len(value) < MINIMUM_PASSPHRASE:
        raise BackupError(f"BACKUP_PASSPHRASE is shorter than {MINIMUM_PASSPHRASE} characters: use a long "
                          "passphrase (four or more random words).")


# --- PostgreSQL -----------------------------------------------------------------------------------

def _libpq_env(database: Mapping[str, Any]) -> dict[str, str]:
    """pg_dump and pg_restore read the connection from the environment, so the password never
    appears in a process list."""
    env = dict(os.environ)
    for key, variable in (("NAME", "PGDATABASE"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if database.get(key):
            env[variable] = str(database[key])
    sslmode = (database.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _connect(database: Mapping[str, Any]) -> psycopg.Connection:
    options = {"dbname": database.get("NAME"), "user": database.get("USER"), "password": database.get("PASSWORD"),
               "host": database.get("HOST"), "port": database.get("PORT"),
               "sslmode": (database.get("OPTIONS") or {}).get("sslmode")}
    conninfo = make_conninfo(**{key: str(value) for key, value in options.items() if value})
    return psycopg.connect(conninfo, autocommit=True)


def _run(tool: str, arguments: list[str], database: Mapping[str, Any]) -> str:
    try:
        done = subprocess.run([tool, *arguments], env=_libpq_env(database), capture_output=True, text=True,
                              check=False)
    except FileNotFoundError:
        raise BackupError(f"{tool} is not installed: install the PostgreSQL client (Debian/Ubuntu: "
                          "apt-get install postgresql-client) of the server's version or newer.") from None
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip() or f'exit status {done.returncode}'}")
    return done.stdout


def _tables(database: Mapping[str, Any]) -> dict[str, bool]:
    """Every table of the database's own schemas → whether it holds at least one row."""
    with _connect(database) as connection:
        names = connection.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2").fetchall()
        found = {}
        for schema, table in names:
            query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(schema, table))
            row = connection.execute(query).fetchone()
            found[table if schema == "public" else f"{schema}.{table}"] = bool(row and row[0])
        return found


def tables_with_data(database: Mapping[str, Any]) -> list[str]:
    return sorted(name for name, has_rows in _tables(database).items() if has_rows and name not in MIGRATE_FILLS)


# --- streaming through age ------------------------------------------------------------------------

def _encrypt_stream(out: IO[bytes], recipient: Any, write_plain: Callable[[IO[bytes]], dict]) -> dict:
    """Run `write_plain` in a thread writing into a pipe that pyrage encrypts into `out`, so
    nothing larger than a chunk is held in memory."""
    read_fd, write_fd = os.pipe()
    results: list[dict] = []
    errors: list[BaseException] = []

    def produce() -> None:
        try:
            with os.fdopen(write_fd, "wb") as writer:
                results.append(write_plain(writer))
        except BaseException as error:  # reported by the caller's thread
            errors.append(error)

    thread = threading.Thread(target=produce, name="backup-writer")
    thread.start()
    try:
        with os.fdopen(read_fd, "rb") as reader:
            pyrage.encrypt_io(reader, out, [recipient])
    finally:
        thread.join()
    if errors:
        raise errors[0]
    return results[0]


@contextmanager
def _decrypted_stream(source: IO[bytes], identity: Any) -> Iterator[IO[bytes]]:
    """Yield a pipe that a thread fills with the decryption of `source`. age authenticates every
    64 KiB chunk, so a changed byte anywhere stops the stream with an error, reported here."""
    read_fd, write_fd = os.pipe()
    errors: list[BaseException] = []
    stopped = threading.Event()  # the reader gave up first: a broken pipe is then no news

    def decrypt() -> None:
        try:
            with os.fdopen(write_fd, "wb") as writer:
                try:
                    pyrage.decrypt_io(source, writer, [identity])
                except BaseException as error:  # recorded before the pipe closes, reported by the caller
                    if not stopped.is_set():
                        errors.append(error)
        except OSError:
            pass  # closing a pipe whose reader has gone: the reader's error says why

    thread = threading.Thread(target=decrypt, name="restore-reader")
    thread.start()
    failure: Exception | None = None
    try:
        with os.fdopen(read_fd, "rb") as reader:
            try:
                yield reader
                while reader.read(CHUNK):  # the tail, so the last chunk is authenticated too
                    pass
            except (BackupError, tarfile.TarError, OSError, ValueError) as error:
                stopped.set()
                failure = error
    finally:
        thread.join()
    if errors:
        raise BackupError("The archive is damaged: its encrypted data does not authenticate.") from None
    if isinstance(failure, BackupError):
        raise failure
    if failure is not None:
        raise BackupError(f"The archive is damaged: {failure}") from None


# --- backup ---------------------------------------------------------------------------------------

def _private_files(media_root: Path, *, skip: Path) -> list[tuple[str, Path]]:
    if not media_root.is_dir():
        return []
    found = []
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink() and skip not in path.parents:
            found.append((path.relative_to(media_root).as_posix(), path))
    return found


def _add_file(payload: tarfile.TarFile, name: str, path: Path) -> str:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o600
    with path.open("rb") as handle:
        hashing = HashingReader(handle)
        payload.addfile(info, hashing)
    return hashing.digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.datetime.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def _private_member(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def _write_payload(writer: IO[bytes], *, dump: Path, files: list[tuple[str, Path]], manifest: dict) -> dict:
    """The inner tar: the dump and the files, each hashed as it is written, then the manifest."""
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as payload:
        manifest["dump"] = {"name": DUMP_NAME, "bytes": dump.stat().st_size,
                            "sha256": _add_file(payload, DUMP_NAME, dump)}
        manifest["files"] = {relative: _add_file(payload, f"files/{relative}", path) for relative, path in files}
        _add_bytes(payload, MANIFEST_NAME, json.dumps(manifest, indent=2).encode())
    return manifest


def database_backup_write(*, database: Mapping[str, Any], media_root: Path, destination: Path,
                          passphrase: str) -> BackupResult:
    """Write an encrypted backup of `database` and `media_root` to `destination`.

    Side effects: runs pg_dump (one consistent snapshot); writes `destination` through a hidden
    partial file in the same directory, renamed only once complete; removes its temporary dump.
    Called by the backup_database command and the benchmark.
    """
    passphrase_check(passphrase, for_backup=True)
    if destination.exists():
        raise BackupError(f"{destination} already exists.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    identity = x25519.Identity.generate()
    key = age_passphrase.encrypt(str(identity).encode(), passphrase)
    partial = destination.with_name(f".{destination.name}.partial")
    with tempfile.TemporaryDirectory(prefix=".casebook-backup-", dir=destination.parent) as work:
        dump = Path(work) / DUMP_NAME
        _run("pg_dump", ["--format=custom", "--no-password", f"--file={dump}"], database)
        files = _private_files(media_root, skip=destination.parent)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "django": django.get_version(),
            "pg_dump": _run("pg_dump", ["--version"], database).strip(),
            "database": database.get("NAME"),
        }
        encrypted = Path(work) / "data.tar.age"
        with encrypted.open("wb") as out:
            manifest = _encrypt_stream(out, identity.to_public(),
                                       lambda writer: _write_payload(writer, dump=dump, files=files, manifest=manifest))
        dump.unlink()
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                _add_bytes(archive, README_NAME, README_TEXT.encode())
                _add_bytes(archive, KEY_NAME, key)
                archive.add(encrypted, arcname=DATA_NAME, filter=_private_member)
            partial.chmod(0o600)
            partial.replace(destination)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(path=destination, size=destination.stat().st_size, manifest=manifest)


# --- restore --------------------------------------------------------------------------------------

def is_database_backup(path: Path) -> bool:
    """Whether `path` is an encrypted database backup (rather than a portable export)."""
    try:
        with tarfile.open(path, "r:") as archive:
            return KEY_NAME in archive.getnames()
    except (tarfile.TarError, OSError):
        return False


def _member_name_safe(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return False
    return name in {DUMP_NAME, MANIFEST_NAME} or (path.parts[0] == "files" and len(path.parts) > 1)


def _extract_payload(reader: IO[bytes], into: Path) -> tuple[dict, dict[str, str]]:
    """Unpack the inner tar into `into`, hashing every member as it is written."""
    digests: dict[str, str] = {}
    manifest: dict | None = None
    with tarfile.open(fileobj=reader, mode="r|") as payload:
        for member in payload:
            if not member.isreg() or not _member_name_safe(member.name) or member.name in digests:
                raise BackupError(f"The archive is damaged: unexpected entry {member.name!r}.")
            source = payload.extractfile(member)
            if source is None:
                raise BackupError(f"The archive is damaged: {member.name} cannot be read.")
            if member.name == MANIFEST_NAME:
                manifest = json.loads(source.read())
                continue
            target = into / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with target.open("wb") as handle:
                for chunk in iter(lambda: source.read(CHUNK), b""):  # noqa: B023 — used at once
                    digest.update(chunk)
                    handle.write(chunk)
            digests[member.name] = digest.hexdigest()
    if manifest is None:
        raise BackupError("The archive is damaged: it has no manifest.")
    return manifest, digests


def _expected_digests(manifest: dict) -> dict[str, str]:
    try:
        expected = {DUMP_NAME: manifest["dump"]["sha256"]}
        expected.update({f"files/{relative}": digest for relative, digest in manifest["files"].items()})
    except (KeyError, TypeError, AttributeError):
        raise BackupError("The archive is damaged: its manifest is incomplete.") from None
    unsafe = [name for name in expected if not _member_name_safe(name)]
    if unsafe:
        raise BackupError(f"The archive is damaged: unsafe path in the manifest: {unsafe[0]}")
    return expected


def _verify(manifest: dict, digests: dict[str, str]) -> None:
    expected = _expected_digests(manifest)
    problems = [f"{name} is missing" for name in sorted(expected.keys() - digests.keys())]
    problems += [f"{name} is not in the manifest" for name in sorted(digests.keys() - expected.keys())]
    problems += [f"{name} does not match its SHA-256 in the manifest" for name in sorted(expected)
                 if name in digests and digests[name] != expected[name]]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise BackupError(f"The archive is damaged, so nothing was restored: {shown}.")


def _unlock(archive: tarfile.TarFile, passphrase: str) -> Any:
    try:
        member = archive.extractfile(KEY_NAME)
    except KeyError:
        member = None
    if member is None:
        raise BackupError("The archive is damaged: it has no key.")
    try:
        key = age_passphrase.decrypt(member.read(), passphrase)
    except pyrage.DecryptError:
        raise BackupError("The passphrase does not open this backup (BACKUP_PASSPHRASE must be the one it "
                          "was made with).") from None
    try:
        return x25519.Identity.from_str(key.decode())
    except (pyrage.IdentityError, UnicodeDecodeError):
        raise BackupError("The archive is damaged: its key cannot be read.") from None


def database_backup_restore(*, source: Path, database: Mapping[str, Any], media_root: Path, passphrase: str,
                            replace_existing_data: bool = False) -> dict:
    """Restore an encrypted backup into `database` and `media_root`. Returns the manifest.

    Steps: unlock the archive's key with the passphrase; unpack it to a private temporary directory,
    checking the dump and every file against the manifest; refuse a database with data (other than
    what `migrate` writes) or a private file that differs, unless `replace_existing_data`; run
    pg_restore (--no-owner, --exit-on-error, one transaction, so a failure leaves nothing half done);
    move the files into place and check their digests there again. Writes nothing before every
    digest has matched. Called by the restore_casebook command and the benchmark.
    """
    passphrase_check(passphrase, for_backup=False)
    try:
        archive = tarfile.open(source, "r:")
    except (tarfile.TarError, OSError):
        raise BackupError(f"{source} is not a Casebook database backup, or it is damaged.") from None
    with archive, tempfile.TemporaryDirectory(prefix="casebook-restore-") as work:
        identity = _unlock(archive, passphrase)
        try:
            data = archive.extractfile(DATA_NAME)
        except KeyError:
            data = None
        if data is None:
            raise BackupError("The archive is damaged: it has no data.")
        with _decrypted_stream(data, identity) as reader:
            manifest, digests = _extract_payload(reader, Path(work))
        _verify(manifest, digests)

        expected = _expected_digests(manifest)
        files = {name.removeprefix("files/"): digest for name, digest in expected.items() if name != DUMP_NAME}
        if not replace_existing_data:
            occupied = tables_with_data(database)
            if occupied:
                raise BackupError(
                    f"The database {database.get('NAME')} already holds data ({', '.join(occupied[:5])}"
                    f"{', …' if len(occupied) > 5 else ''}): restore into an empty database, or pass "
                    "--replace-existing-data to replace it.")
            differing = [relative for relative, digest in files.items()
                         if (media_root / relative).exists() and sha256_of_file(media_root / relative) != digest]
            if differing:
                raise BackupError(f"{media_root} already holds different files ({differing[0]}): restore into an "
                                  "empty MEDIA_ROOT, or pass --replace-existing-data to replace them.")

        clean = ["--clean", "--if-exists"] if _tables(database) else []
        _run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                            "--no-password", f"--dbname={database.get('NAME')}", *clean,
                            str(Path(work) / DUMP_NAME)], database)
        for relative in files:
            target = media_root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(Path(work) / "files" / relative, target)
        moved_wrong = [relative for relative, digest in files.items()
                       if sha256_of_file(media_root / relative) != digest]
        if moved_wrong:
            raise BackupError(f"After restoring, {len(moved_wrong)} file(s) in {media_root} do not match the "
                              f"manifest (first: {moved_wrong[0]}). Check the disk.")
    return manifest
