"""Read an uploaded chat export (`.txt`, or the `.zip` WhatsApp makes) into text and media, in memory.

Nothing is ever written to disk. A zip is treated as hostile until shown otherwise: too many entries,
too much uncompressed data, an implausible compression ratio, or a name that could climb out of a folder
or disguise itself is refused with `UnsafeArchive` before anything is decompressed, and decompression
stops as soon as an entry produces more than it declared.

Media: every file in the zip other than the chat text is returned (keyed by its name in the zip), not
only those the chat refers to: WhatsApp's own names and the chat's references drift between versions,
and a file the school was sent is evidence either way.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed, whole upload
MAX_ENTRIES = 2000
MAX_RATIO = 100  # uncompressed : compressed, checked for entries above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024  # small entries (a text file of repeated lines) compress very well, harmlessly
MAX_DIRECTORY_RECORD = 1024  # bytes of index per entry: name, extra fields and comment of a sane zip
_CHUNK = 64 * 1024

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# Control characters and direction overrides: the latter can make "evil\u202egpj.exe" display as a photo.
_UNSAFE_NAME_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHAT_NAME = re.compile(r"^(?:_chat\.txt|WhatsApp Chat (?:with|-) .+\.txt)$", re.IGNORECASE)


class ChatUploadError(ValueError):
    """The upload cannot be used; the message is meant for the person who uploaded it."""


class UnsafeArchive(ChatUploadError):
    pass


class UnreadableUpload(ChatUploadError):
    pass


@dataclass(frozen=True)
class ChatUpload:
    """The chat text of an upload and the media that came with it (empty for a `.txt`)."""

    chat_name: str
    text: str
    media: dict[str, bytes] = field(default_factory=dict)


def read_chat_upload(name: str, data: bytes | BinaryIO) -> ChatUpload:
    """Read a `.txt` or `.zip` chat export from bytes or an open binary file (e.g. an UploadedFile).

    The kind is decided by content, and must agree with the name's extension. Raises `UnsafeArchive`
    for a dangerous zip and `UnreadableUpload` for anything else that cannot be used. No side effects.
    """
    lowered = name.lower()
    if not lowered.endswith((".txt", ".zip")):
        raise UnreadableUpload("Upload the chat as the .txt or .zip file that WhatsApp exports.")
    raw = _read_limited(data)
    is_zip = raw.startswith(_ZIP_MAGIC)
    if lowered.endswith(".zip"):
        if not is_zip:
            raise UnreadableUpload(f"{name} is named .zip but is not a zip file.")
        return _read_zip(raw)
    if is_zip:
        raise UnreadableUpload(f"{name} is named .txt but is a zip file. Rename it to .zip and upload it again.")
    return ChatUpload(chat_name=name, text=decode_chat_text(raw, name=name))


def decode_chat_text(raw: bytes, *, name: str = "The chat") -> str:
    """UTF-8 (with or without a byte-order mark), or UTF-16 when it starts with a UTF-16 byte-order mark."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableUpload(f"{name} is not a text file WhatsApp could have written (it is not UTF-8).") from None


def _read_limited(data: bytes | BinaryIO) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        if hasattr(data, "seek"):
            data.seek(0)
        raw = data.read(MAX_TOTAL_BYTES + 1)
    if len(raw) > MAX_TOTAL_BYTES:
        raise UnreadableUpload(f"The upload is larger than {MAX_TOTAL_BYTES // (1024 * 1024)} MB.")
    return raw


def _read_zip(raw: bytes) -> ChatUpload:
    _check_central_directory(raw)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError):
        raise UnreadableUpload("The zip file is damaged and cannot be opened.") from None
    with archive:
        members = _check_members(archive.infolist())
        chat = _chat_member(members)
        contents = {info.filename: _read_member(archive, info) for info in members}
    text = decode_chat_text(contents.pop(chat.filename), name=chat.filename)
    return ChatUpload(chat_name=chat.filename, text=text, media=contents)


def _check_central_directory(raw: bytes) -> None:
    """Refuse a zip whose index alone is too big, before zipfile builds an object for every entry in it."""
    end = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 22 - 65535))
    if end < 0 or len(raw) < end + 22:
        raise UnreadableUpload("The zip file is damaged and cannot be opened.")
    # zipfile trusts a ZIP64 record over the plain one; a chat export under our limits never needs one.
    if end >= 20 and raw[end - 20:end - 16] == b"PK\x06\x07":
        raise UnsafeArchive("The zip uses the ZIP64 format for very large archives; a chat export does not.")
    entries, directory_size = struct.unpack_from("<HI", raw, end + 10)
    if entries > MAX_ENTRIES or directory_size > MAX_ENTRIES * MAX_DIRECTORY_RECORD:
        raise UnsafeArchive(f"The zip holds more files than a chat export (at most {MAX_ENTRIES}).")


def _check_members(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """Refuse the whole zip on any unsafe entry; return the files worth reading."""
    if len(infos) > MAX_ENTRIES:
        raise UnsafeArchive(f"The zip holds {len(infos)} files; a chat export holds at most {MAX_ENTRIES}.")
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
            continue  # folders, and the resource forks macOS adds, hold nothing of the chat
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


def _chat_member(files: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    named = [info for info in files if _CHAT_NAME.match(info.filename.rsplit("/", 1)[-1])]
    texts = [info for info in files if info.filename.lower().endswith(".txt")]
    candidates = named or texts
    if len(candidates) != 1:
        raise UnreadableUpload(
            "The zip does not hold exactly one chat text (_chat.txt or 'WhatsApp Chat with ….txt')."
        )
    return candidates[0]


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Decompress one entry, stopping as soon as it yields more than it declared."""
    out = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                if len(out) > info.file_size:
                    raise UnsafeArchive(f"The zip entry {info.filename!r} unpacks to more than it declares.")
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError):
        # zipfile itself stops at the declared size and then fails the checksum, so a lying entry ends here.
        raise UnsafeArchive(
            f"The zip entry {info.filename!r} does not unpack to what it declares (damaged or tampered with)."
        ) from None
    if len(out) != info.file_size:
        raise UnsafeArchive(f"The zip entry {info.filename!r} does not unpack to what it declares.")
    return bytes(out)
