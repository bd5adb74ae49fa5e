"""Tamper evidence: check the hash chain of every case's timeline, every stored file's SHA-256, and
both against the newest seal (records.seal), which lives outside the database."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from incidents.cases.timeline import case_event_verify
from incidents.models import CaseEvent, CaseTombstone, ChatMedia, Evidence, Letter
from incidents.records.seal import SEALED_KINDS, Seal, seal_latest


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
    keyed_cases: set[int] = set()
    events = CaseEvent.objects.select_related("case", "actor").order_by("case_id", "id")
    for event in events.iterator(chunk_size=2000):
        expected_prev = previous_by_case.get(event.case_id, "")
        label = f"{event.case.reference} event {event.pk} ({event.at:%d %b %Y %H:%M})"
        if event.prev_hash != expected_prev:
            yield Mismatch(label, "does not follow the event before it (an event was removed or reordered)")
        if not case_event_verify(event):
            yield Mismatch(label, "its content was changed after it was recorded")
        if event.algorithm == CaseEvent.Algorithm.HMAC_SHA256:
            keyed_cases.add(event.case_id)
        elif event.case_id in keyed_cases:
            # Every event since the key came in is keyed: a plain hash after a keyed one was written
            # by someone without the key.
            yield Mismatch(label, "has a plain SHA-256 after keyed events (the chain was rewritten without the key)")
        previous_by_case[event.case_id] = event.hash


def evidence_mismatches() -> Iterator[Mismatch]:
    for evidence in Evidence.objects.select_related("case").order_by("pk").iterator(chunk_size=500):
        label = f"{evidence.case.reference} evidence {evidence.pk} ({evidence.original_name})"
        actual = _file_sha256(evidence.file)
        if actual is None:
            yield Mismatch(label, "the stored file is missing")
        elif actual != evidence.sha256:
            yield Mismatch(label, f"SHA-256 is {actual}, recorded {evidence.sha256}")


def chat_media_mismatches() -> Iterator[Mismatch]:
    """Every photo or file that came with an imported chat: the file must match its recorded SHA-256."""
    media = ChatMedia.objects.select_related("chat_import__evidence__case").order_by("pk")
    for item in media.iterator(chunk_size=500):
        label = f"{item.chat_import.evidence.case.reference} chat media {item.pk} ({item.name})"
        actual = _file_sha256(item.file)
        if actual is None:
            yield Mismatch(label, "the stored file is missing")
        elif actual != item.sha256:
            yield Mismatch(label, f"SHA-256 is {actual}, recorded {item.sha256}")


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


def batched(items: list, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _sealed_label(seal: Seal) -> str:
    return f"sealed {seal.created_at}"


def _disposed_references() -> set[str]:
    """Cases disposed of at the end of retention: their sealed records are gone on purpose."""
    return set(CaseTombstone.objects.values_list("reference", flat=True))


def _sealed_chain_mismatches(seal: Seal, disposed: set[str]) -> Iterator[Mismatch]:
    heads = [(reference, head) for reference, head in seal.body.get("chains", {}).items() if reference not in disposed]
    for batch in batched(heads, 1000):
        found = {pk: (reference, digest) for pk, reference, digest in CaseEvent.objects.filter(
            pk__in=[head["event"] for _, head in batch]).values_list("pk", "case__reference", "hash")}
        for reference, head in batch:
            label = f"{reference} timeline"
            now = found.get(head["event"])
            if now is None or now[0] != reference:
                yield Mismatch(label, f"its newest event when {_sealed_label(seal)} (event {head['event']}) is gone: "
                                      "events were removed")
            elif now[1] != head["hash"]:
                yield Mismatch(label, f"event {head['event']} no longer has the hash it had when "
                                      f"{_sealed_label(seal)}: the chain was rewritten")
    unkeyed = CaseEvent.objects.filter(algorithm=CaseEvent.Algorithm.SHA256, pk__gt=seal.body.get("last_event", 0))
    for pk, reference in unkeyed.values_list("pk", "case__reference").order_by("pk").iterator(chunk_size=2000):
        yield Mismatch(f"{reference} event {pk}", "was recorded after the seal without the integrity key")


def _sealed_file_mismatches(seal: Seal, disposed: set[str]) -> Iterator[Mismatch]:
    for kind, (model, field, _) in SEALED_KINDS.items():
        entries = [entry for entry in seal.body.get("files", [])
                   if entry.get("kind") == kind and entry.get("case") not in disposed]
        for batch in batched(entries, 500):
            rows = model._default_manager.in_bulk([entry["id"] for entry in batch])
            for entry in batch:
                label = f"{entry['case']} {kind} {entry['id']}"
                row = rows.get(entry["id"])
                if row is None:
                    yield Mismatch(label, f"its record is gone since it was {_sealed_label(seal)}")
                    continue
                if row.sha256 != entry["sha256"]:
                    yield Mismatch(label, f"its recorded SHA-256 changed since it was {_sealed_label(seal)}")
                stored = getattr(row, field)
                actual = _file_sha256(stored) if stored.name == entry["path"] else None
                if actual is None:
                    yield Mismatch(label, f"the file {_sealed_label(seal)} ({entry['path']}) is missing")
                elif actual != entry["sha256"]:
                    yield Mismatch(label, f"the file differs from the one {_sealed_label(seal)}")


def seal_mismatches() -> Iterator[Mismatch]:
    """The records against the newest seal: every sealed chain still ends in the event it ended in
    then (or runs on past it, keyed), every sealed file still has its record and its bytes."""
    seal = seal_latest()
    if seal is None:
        return
    if not seal.signature_ok:
        yield Mismatch(f"seal {seal.path.name}", "its signature does not fit its content: it was edited, or made "
                                                 "with another CASEBOOK_INTEGRITY_KEY")
        return
    disposed = _disposed_references()
    yield from _sealed_chain_mismatches(seal, disposed)
    yield from _sealed_file_mismatches(seal, disposed)


CHECKS = [
    ("timeline events", timeline_mismatches),
    ("evidence files", evidence_mismatches),
    ("chat media", chat_media_mismatches),
    ("letter PDFs", letter_mismatches),
    ("the newest seal", seal_mismatches),
]
