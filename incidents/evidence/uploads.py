"""Evidence files: what type a file really is (judged by its content, not its name) and its digest."""

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError

# What we accept, by the type we detect → (label, extension used for downloads).
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "image/png": ("PNG image", "png"),
    "image/jpeg": ("JPEG image", "jpg"),
    "image/heic": ("HEIC image", "heic"),
    "application/pdf": ("PDF document", "pdf"),
    "text/plain": ("Plain text", "txt"),
    "message/rfc822": ("E-mail (.eml)", "eml"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word document", "docx"),
    "application/zip": ("Exported chat (.zip)", "zip"),
}

_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|meta|\?xml)\b", re.IGNORECASE)
_EML_HEADER = re.compile(rb"^(from|to|subject|date|received|return-path|message-id|mime-version):", re.I | re.M)
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"#!")


@dataclass(frozen=True)
class Identified:
    content_type: str
    label: str
    extension: str


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            return False
    return True


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _is_chat_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name.lower().endswith(".txt") for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


def identify(data: bytes) -> Identified:
    """Say what the file is from its bytes, or raise ValidationError with a plain message."""
    head = data[:8192]
    if not data:
        raise ValidationError("The file is empty.")
    if head.startswith(_EXECUTABLE_MAGIC):
        raise ValidationError("Programs and scripts cannot be added as evidence.")
    if _MARKUP.search(head):
        # HTML or SVG, whatever its name says: it could run script in a browser.
        raise ValidationError("Web pages and SVG images cannot be added as evidence. Take a screenshot instead.")

    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in {"image/heif", "image/heic"}:
        mime = "image/heic"
    if mime == "application/pdf":
        if not head.startswith(b"%PDF-"):
            raise ValidationError("This PDF has something else in front of it and cannot be accepted.")
        if _is_docx(data) or _is_chat_zip(data):
            raise ValidationError("This file is both a PDF and an archive, so it cannot be accepted.")
    elif mime == "application/zip":
        if _is_docx(data):
            mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        elif not _is_chat_zip(data):
            raise ValidationError("Only Word documents and exported chats (.zip) are accepted as archives.")
    elif mime is None and _looks_like_text(head):
        if b"%PDF-" in head:
            raise ValidationError("This file is both text and a PDF, so it cannot be accepted.")
        mime = "message/rfc822" if len(_EML_HEADER.findall(head[:4096])) >= 2 else "text/plain"

    if mime not in ALLOWED_TYPES:
        allowed = ", ".join(label for label, _ in ALLOWED_TYPES.values())
        raise ValidationError(f"This kind of file is not accepted. Accepted: {allowed}.")
    label, extension = ALLOWED_TYPES[mime]
    return Identified(mime, label, extension)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def check_file_name(name: str) -> str:
    """Refuse file names with path separators or control characters; return the name to display."""
    if not name or _UNSAFE_NAME.search(name) or name.strip(" .") in {"", ".."}:
        raise ValidationError("The file name contains characters that are not allowed (slashes or control characters).")
    return name[-200:]
