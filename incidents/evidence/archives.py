"""Zip containers, whatever they are named: the one set of checks every upload that is a zip goes through.

A Word document (.docx) is a zip, and so is a WhatsApp export with its photos; a zip renamed `.png`
or given no name at all is still a zip. Whether a file is one is judged from its bytes. A zip is
treated as hostile until shown otherwise: too many entries, too much uncompressed data, an
implausible compression ratio, or a name that could climb out of a folder or disguise itself is
refused with `UnsafeArchive` before anything is decompressed, and decompression stops as soon as
an entry produces more than it declared. Nothing here writes anything anywhere.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed, whole upload
MAX_ENTRIES = 2000
MAX_RATIO = 100  # uncompressed : compressed, checked for entries above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024  # small entries (a text file of repeated lines) compress very well, harmlessly
MAX_DIRECTORY_RECORD = 1024  # bytes of index per entry: name, extra fields and comment of a sane zip
_CHUNK = 64 * 1024

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# Control characters and direction overrides: the latter can make "evil\u202egpj.exe" display as a photo.
_UNSAFE_NAME_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveError(ValueError):
    """The zip cannot be used; the message is meant for the person who uploaded it."""


class UnsafeArchive(ArchiveError):
    pass


class DamagedArchive(ArchiveError):
    pass


def starts_as_zip(raw: bytes) -> bool:
    return raw.startswith(ZIP_MAGIC)


def holds_a_zip(raw: bytes) -> bool:
    """Whether a zip can be opened from these bytes, wherever it sits (a zip may follow other data)."""
    if starts_as_zip(raw):
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, EOFError, OSError):
        return False


@contextmanager
def archive_open(raw: bytes) -> Iterator[tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]]:
    """Open a zip after checking its index; yield it with the entries worth reading (no folders,
    no macOS resource forks). Raises UnsafeArchive or DamagedArchive; decompresses nothing."""
    _check_central_directory(raw)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, EOFError, OSError):
        raise DamagedArchive("The zip file is damaged and cannot be opened.") from None
    with archive:
        yield archive, _check_members(archive.infolist())


def archive_read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, keep: bool = True) -> bytes:
    """Decompress one entry, stopping as soon as it yields more than it declared.

    With keep=False the data is only counted (to prove the entry is what it says), and b"" returned.
    """
    out = bytearray()
    produced = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                produced += len(chunk)
                if produced > info.file_size:
                    raise UnsafeArchive(f"The zip entry {info.filename!r} unpacks to more than it declares.")
                if keep:
                    out += chunk
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError, RuntimeError):
        # zipfile itself stops at the declared size and then fails the checksum, so a lying entry ends here.
        raise UnsafeArchive(
            f"The zip entry {info.filename!r} does not unpack to what it declares (damaged or tampered with)."
        ) from None
    if produced != info.file_size:
        raise UnsafeArchive(f"The zip entry {info.filename!r} does not unpack to what it declares.")
    return bytes(out)


def archive_check(raw: bytes) -> list[str]:
    """Every check, including unpacking each entry (into nothing) to prove its declared size.

    Returns the names of the entries worth reading. Raises UnsafeArchive or DamagedArchive.
    """
    with archive_open(raw) as (archive, members):
        for info in members:
            archive_read_member(archive, info, keep=False)
        return [info.filename for info in members]


def _check_central_directory(raw: bytes) -> None:
    """Refuse a zip whose index alone is too big, before zipfile builds an object for every entry in it."""
    end = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 22 - 65535))
    if end < 0 or len(raw) < end + 22:
        raise DamagedArchive("The zip file is damaged and cannot be opened.")
    # zipfile trusts a ZIP64 record over the plain one; nothing Casebook accepts is that large.
    if end >= 20 and raw[end - 20:end - 16] == b"PK\x06\x07":
        raise UnsafeArchive("The zip uses the ZIP64 format for very large archives; Casebook does not accept it.")
    entries, directory_size = struct.unpack_from("<HI", raw, end + 10)
    if entries > MAX_ENTRIES or directory_size > MAX_ENTRIES * MAX_DIRECTORY_RECORD:
        raise UnsafeArchive(f"The zip holds more files than Casebook accepts in one archive (at most {MAX_ENTRIES}).")


def _check_members(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """Refuse the whole zip on any unsafe entry; return the files worth reading."""
    if len(infos) > MAX_ENTRIES:
        raise UnsafeArchive(
            f"The zip holds {len(infos)} files, more files than Casebook accepts in one archive "
            f"(at most {MAX_ENTRIES})."
        )
    total = 0
    files = []
    for info in infos:
        _check_name(info)
        if info.flag_bits & 0x1:
            raise UnsafeArchive(f"The zip entry {info.filename!r} is encrypted.")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchive(
                f"The zip would unpack to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB; refused as a zip bomb."
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeArchive(
                f"The zip entry {info.filename!r} is compressed more than {MAX_RATIO} to 1; refused as a zip bomb."
            )
        if info.is_dir() or info.filename.startswith("__MACOSX/"):
            continue  # folders, and the resource forks macOS adds, hold nothing of use
        files.append(info)
    return files


def _check_name(info: zipfile.ZipInfo) -> None:
    # orig_filename keeps what zipfile silently cuts at a NUL byte.
    for candidate in (info.orig_filename, info.filename):
        if _UNSAFE_NAME_CHARACTERS.search(candidate):
            raise UnsafeArchive("The zip has a file whose name contains control characters.")
        if "\\" in candidate:
            raise UnsafeArchive(f"The zip has a file name with a backslash: {candidate!r}.")
        if candidate.startswith("/") or _DRIVE.match(candidate):
            raise UnsafeArchive(f"The zip has a file with an absolute path: {candidate!r}.")
        if ".." in candidate.split("/"):
            raise UnsafeArchive(f"The zip has a file whose path climbs out of its folder: {candidate!r}.")
