"""The hostile files evidence refuses, in one list, so that every other door a file comes in by (the
public report form, the parent's representations) is tried with the same ones."""

import struct
import zipfile

from tests.factories import PNG
from tests.incidents.evidence.test_evidence_archives import BOMB, CHAT, DOCX_BOMB, DOCX_PARTS, PDF, make_zip


def encrypted_zip() -> bytes:
    data = bytearray(make_zip({"_chat.txt": CHAT}, compression=zipfile.ZIP_STORED))
    # Set the "encrypted" flag in the central directory, as a password-protected zip would.
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0] | 0x1)
    return bytes(data)


# (what it is, the name it is sent under, its bytes)
HOSTILE_FILES: list[tuple[str, str, bytes]] = [
    ("web page named .png", "shot.png", b"<html><script>alert(1)</script></html>"),
    ("svg with a script named .png", "shot.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("program named .pdf", "report.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),
    ("binary named .txt", "notes.txt", b"\x00\x01\x02\x03binary"),
    ("chat zip bomb", "chat.zip", BOMB),
    ("zip bomb named .png", "shot.png", BOMB),
    ("word zip bomb", "letter.docx", DOCX_BOMB),
    ("encrypted zip", "chat.zip", encrypted_zip()),
    *[(f"zip entry {entry}", "chat.zip", make_zip(DOCX_PARTS | {entry: b"x"}))
      for entry in ("../../etc/cron.d/evil", "/etc/passwd", "C:/Windows/evil.dll", "word/../../x")],
    ("zip named .txt", "chat.txt", make_zip({"_chat.txt": CHAT})),
    ("png named .pdf", "photo.pdf", PNG),
    ("pdf named .png", "scan.png", PDF),
    ("png named .docx", "letter.docx", PNG),
    ("chat zip named .docx", "letter.docx", make_zip({"_chat.txt": CHAT})),
    ("word file named .jpg", "photo.jpg", make_zip(DOCX_PARTS)),
    ("notes named .pdf", "scan.pdf", b"Just some notes"),
    ("png named .html", "page.html", PNG),
    ("png named .svg", "image.svg", PNG),
    ("png with a zip appended", "shot.png", PNG + make_zip(DOCX_PARTS)),
    ("pdf with a zip appended", "scan.pdf", PDF + make_zip(DOCX_PARTS)),
]
