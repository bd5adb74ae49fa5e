"""Evidence files: what type a file really is (judged by its content, which must agree with its name)
and its digest. Every upload that is a zip, whatever it is called, goes through evidence.archives."""

import hashlib
import re
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from incidents.evidence import archives

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


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# What a name's extension claims → the types (the one it names first), judged by content, that may carry it. A name with
# another extension (or none) is judged by content alone; one of _REFUSED_EXTENSIONS is refused
# whatever it holds, because the download keeps its name and a browser opening it would trust it.
_EXTENSION_CLAIMS: dict[str, tuple[str, ...]] = {
    "png": ("image/png",),
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
    "heic": ("image/heic",),
    "heif": ("image/heic",),
    "pdf": ("application/pdf",),
    "txt": ("text/plain", "message/rfc822"),
    "eml": ("message/rfc822", "text/plain"),
    "docx": (DOCX,),
    "zip": ("application/zip",),
}
_REFUSED_EXTENSIONS = frozenset({
    "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "js", "mjs", "hta",
    "exe", "com", "bat", "cmd", "msi", "scr", "pif", "ps1", "vbs", "wsf", "jar", "sh", "php", "lnk",
})


def _zip_kind(data: bytes) -> str:
    """A zip (already known to start as one) checked as an archive, then told apart: Word or chat."""
    try:
        names = set(archives.archive_check(data))
    except archives.ArchiveError as error:
        raise ValidationError(str(error)) from None
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    if any(name.lower().endswith(".txt") for name in names):
        return "application/zip"
    raise ValidationError("Only Word documents and exported chats (.zip) are accepted as archives.")


def _type_by_content(data: bytes) -> str | None:
    head = data[:8192]
    if head.startswith(_EXECUTABLE_MAGIC):
        raise ValidationError("Programs and scripts cannot be added as evidence.")
    if archives.starts_as_zip(data):
        # Checked before the markup sniffing: a chat kept uncompressed in its zip may well hold a
        # message that says "<html>", and it is still a chat.
        return _zip_kind(data)
    if _MARKUP.search(head):
        # HTML or SVG, whatever its name says: it could run script in a browser.
        raise ValidationError("Web pages and SVG images cannot be added as evidence. Take a screenshot instead.")

    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in {"image/heif", "image/heic"}:
        mime = "image/heic"
    if mime == "application/pdf" and not head.startswith(b"%PDF-"):
        raise ValidationError("This PDF has something else in front of it and cannot be accepted.")
    if mime is None and _looks_like_text(head):
        if b"%PDF-" in head:
            raise ValidationError("This file is both text and a PDF, so it cannot be accepted.")
        mime = "message/rfc822" if len(_EML_HEADER.findall(head[:4096])) >= 2 else "text/plain"
    if archives.holds_a_zip(data):
        # A zip appended to an image or a PDF opens as either, depending on who reads it.
        label = ALLOWED_TYPES[mime][0] if mime in ALLOWED_TYPES else "file"
        raise ValidationError(f"This file is both a {label} and an archive, so it cannot be accepted.")
    return mime


def _check_name_agrees(name: str, mime: str) -> None:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""
    if extension in _REFUSED_EXTENSIONS:
        raise ValidationError(f"Files named .{extension} cannot be added as evidence, whatever they hold.")
    claimed = _EXTENSION_CLAIMS.get(extension)
    if claimed is not None and mime not in claimed:
        claimed_label = ALLOWED_TYPES[claimed[0]][0]
        label, real_extension = ALLOWED_TYPES[mime]
        raise ValidationError(
            f"{name} is named .{extension} but is not a {claimed_label}: by its content it is “{label}”. "
            f"Check it is the file you meant; if it is, rename it to .{real_extension} and add it again."
        )


def identify(data: bytes, *, name: str = "") -> Identified:
    """Say what the file is from its bytes, or raise ValidationError with a plain message.

    A zip of any name is checked as an archive (evidence.archives). When `name` has an extension
    that says what the file is, the content must agree with it.
    """
    if not data:
        raise ValidationError("The file is empty.")
    mime = _type_by_content(data)
    if mime not in ALLOWED_TYPES:
        allowed = ", ".join(label for label, _ in ALLOWED_TYPES.values())
        raise ValidationError(f"This kind of file is not accepted. Accepted: {allowed}.")
    _check_name_agrees(name, mime)
    label, extension = ALLOWED_TYPES[mime]
    return Identified(mime, label, extension)


def check_size(size: int | None, *, max_mb: int) -> None:
    """Refuse a file over the school's limit. Views pass UploadedFile.size, known from the request,
    so a file over the limit is refused before it is read into memory."""
    if size is None or size > max_mb * 1024 * 1024:
        shown = "unknown" if size is None else f"{size / 1024 / 1024:.1f} MB"
        raise ValidationError(f"The file is {shown}; the limit is {max_mb} MB.")


def upload_read(upload: UploadedFile, *, max_mb: int) -> bytes:
    """The bytes of an uploaded file, once its size is within the limit (checked before reading)."""
    check_size(upload.size, max_mb=max_mb)
    upload.seek(0)
    return upload.read()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def check_file_name(name: str) -> str:
    """Refuse file names with path separators or control characters; return the name to display."""
    if not name or _UNSAFE_NAME.search(name) or name.strip(" .") in {"", ".."}:
        raise ValidationError("The file name contains characters that are not allowed (slashes or control characters).")
    return name[-200:]
