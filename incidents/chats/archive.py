"""Read an uploaded chat export (`.txt`, or the `.zip` WhatsApp makes) into text and media, in memory.

Nothing is ever written to disk. A zip goes through the same checks as every other zip upload
(evidence.archives): too many entries, too much uncompressed data, an implausible compression ratio,
or a name that could climb out of a folder or disguise itself is refused before anything is
decompressed, and decompression stops as soon as an entry produces more than it declared.

Media: every file in the zip other than the chat text is returned (keyed by its name in the zip), not
only those the chat refers to: WhatsApp's own names and the chat's references drift between versions,
and a file the school was sent is evidence either way.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from incidents.evidence import archives

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
    is_zip = archives.starts_as_zip(raw)
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
        raw = data.read(archives.MAX_TOTAL_BYTES + 1)
    if len(raw) > archives.MAX_TOTAL_BYTES:
        raise UnreadableUpload(f"The upload is larger than {archives.MAX_TOTAL_BYTES // (1024 * 1024)} MB.")
    return raw


def _read_zip(raw: bytes) -> ChatUpload:
    try:
        with archives.archive_open(raw) as (archive, members):
            chat = _chat_member(members)
            contents = {info.filename: archives.archive_read_member(archive, info) for info in members}
    except archives.UnsafeArchive as error:
        raise UnsafeArchive(str(error)) from None
    except archives.DamagedArchive as error:
        raise UnreadableUpload(str(error)) from None
    text = decode_chat_text(contents.pop(chat.filename), name=chat.filename)
    return ChatUpload(chat_name=chat.filename, text=text, media=contents)


def _chat_member(files: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    named = [info for info in files if _CHAT_NAME.match(info.filename.rsplit("/", 1)[-1])]
    texts = [info for info in files if info.filename.lower().endswith(".txt")]
    candidates = named or texts
    if len(candidates) != 1:
        raise UnreadableUpload(
            "The zip does not hold exactly one chat text (_chat.txt or 'WhatsApp Chat with ….txt')."
        )
    return candidates[0]

