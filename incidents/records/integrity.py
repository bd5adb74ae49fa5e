"""Tamper evidence: check the hash chain of every case's timeline and every stored file's SHA-256."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from incidents.cases.timeline import case_event_verify
from incidents.models import CaseEvent, Evidence, Letter


@dataclass(frozen=True)
class Mismatch:
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}"


def _file_sha256(field) -> str | None:
    try:
        with field.open("rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except (FileNotFoundError, ValueError):
        return None
    return digest.hexdigest()


def timeline_mismatches() -> Iterator[Mismatch]:
    """Events whose hash does not match their content, or that do not follow the one before them."""
    previous_by_case: dict[int, str] = {}
    events = CaseEvent.objects.select_related("case", "actor").order_by("case_id", "id")
    for event in events.iterator(chunk_size=2000):
        expected_prev = previous_by_case.get(event.case_id, "")
        label = f"{event.case.reference} event {event.pk} ({event.at:%d %b %Y %H:%M})"
        if event.prev_hash != expected_prev:
            yield Mismatch(label, "does not follow the event before it (an event was removed or reordered)")
        if not case_event_verify(event):
            yield Mismatch(label, "its content was changed after it was recorded")
        previous_by_case[event.case_id] = event.hash


def evidence_mismatches() -> Iterator[Mismatch]:
    for evidence in Evidence.objects.select_related("case").order_by("pk").iterator(chunk_size=500):
        label = f"{evidence.case.reference} evidence {evidence.pk} ({evidence.original_name})"
        actual = _file_sha256(evidence.file)
        if actual is None:
            yield Mismatch(label, "the stored file is missing")
        elif actual != evidence.sha256:
            yield Mismatch(label, f"SHA-256 is {actual}, recorded {evidence.sha256}")


def letter_mismatches() -> Iterator[Mismatch]:
    """Every letter with a PDF: the file must match the SHA-256 recorded when it was made."""
    letters = Letter.objects.exclude(pdf="").select_related("case").order_by("pk")
    for letter in letters.iterator(chunk_size=500):
        label = f"{letter.case.reference} letter {letter.pk} v{letter.version} ({letter.get_status_display()})"
        actual = _file_sha256(letter.pdf)
        if actual is None:
            yield Mismatch(label, "the stored PDF is missing")
        elif actual != letter.sha256:
            yield Mismatch(label, f"PDF SHA-256 is {actual}, recorded {letter.sha256}")


CHECKS = [
    ("timeline events", timeline_mismatches),
    ("evidence files", evidence_mismatches),
    ("letter PDFs", letter_mismatches),
]
