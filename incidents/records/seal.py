"""The daily seal: every case timeline's newest event and every stored file's SHA-256, written to a
file outside the database (CASEBOOK_SEAL_DIR) and signed with the integrity key, with a short
fingerprint e-mailed to the Head Teacher.

The hash chain shows an edit to one event; the seal shows what the chain alone cannot: the newest
events of a case deleted, a chain rewritten from the start, a file and its recorded digest changed
together, a record deleted with its file. `verify_integrity` checks the newest seal
(integrity.seal_mismatches).

Only what is final is sealed: evidence, chat media, and the PDFs of issued letters (a draft's PDF is
rendered again as it is edited).
"""

import datetime
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max

from incidents.cases.timeline import integrity_key
from incidents.models import CaseEvent, ChatMedia, Evidence, Letter, Notification, User
from incidents.notifications import emails
from incidents.notifications.services import notification_queue
from incidents.roles import Role

SEAL_FORMAT = 1
SEALED_LETTERS = (Letter.Status.ISSUED, Letter.Status.ACKNOWLEDGED)
# kind in a seal → the model whose rows carry the file, its file field, and its case (for the label).
SEALED_KINDS: dict[str, tuple[Any, str, str]] = {
    "evidence": (Evidence, "file", "case__reference"),
    "chat media": (ChatMedia, "file", "chat_import__evidence__case__reference"),
    "letter": (Letter, "pdf", "case__reference"),
}


@dataclass(frozen=True)
class Seal:
    path: Path
    body: dict
    signature_ok: bool

    @property
    def created_at(self) -> str:
        return str(self.body.get("created_at", "?"))

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.body)


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _signature(body: dict) -> str:
    return hmac.new(integrity_key(), _canonical(body), hashlib.sha256).hexdigest()


def fingerprint_of(body: dict) -> str:
    """Five groups of four hex digits: short enough to read over the phone, long enough that no
    other seal has it by chance."""
    digest = hashlib.sha256(_canonical(body)).hexdigest()[:20]
    return " ".join(digest[i:i + 4] for i in range(0, 20, 4))


def _chain_heads() -> dict[str, dict]:
    """Each case's newest event (by id, the order the chain follows): reference → id and hash."""
    newest = CaseEvent.objects.values("case_id").annotate(last=Max("id")).values_list("last", flat=True)
    heads = CaseEvent.objects.filter(pk__in=newest).values_list("case__reference", "pk", "hash").order_by("pk")
    return {reference: {"event": pk, "hash": digest} for reference, pk, digest in heads.iterator(chunk_size=2000)}


def _sealed_files() -> Iterator[dict]:
    for kind, (model, field, case) in SEALED_KINDS.items():
        rows = model._default_manager.exclude(**{field: ""})
        if model is Letter:
            rows = rows.filter(status__in=SEALED_LETTERS)
        for pk, reference, name, digest in rows.order_by("pk").values_list(
                "pk", case, field, "sha256").iterator(chunk_size=2000):
            yield {"kind": kind, "id": pk, "case": reference, "path": name, "sha256": digest}


def seal_body() -> dict:
    """What today's seal holds, read from the database."""
    return {
        "format": SEAL_FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "last_event": CaseEvent.objects.aggregate(last=Max("id"))["last"] or 0,
        "chains": _chain_heads(),
        "files": list(_sealed_files()),
    }


def seal_write(*, directory: Path | None = None) -> Seal:
    """Write a seal of the records as they are now. Returns it.

    Writes: one file `seal-YYYYMMDDTHHMMSSZ.json` in CASEBOOK_SEAL_DIR (first under a temporary
    name, so a half-written seal is never read). Called by `seal_daily`, `manage.py seal_records`
    and `manage.py backup_casebook`.
    """
    directory = directory or Path(settings.CASEBOOK_SEAL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    body = seal_body()
    stamp = datetime.datetime.fromisoformat(body["created_at"]).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"seal-{stamp}.json"
    partial = directory / f".{path.name}.partial"
    partial.write_text(json.dumps({"seal": body, "signature": _signature(body)}, indent=1))
    os.replace(partial, path)
    return Seal(path=path, body=body, signature_ok=True)


def seal_read(path: Path) -> Seal:
    """A seal as written, and whether its signature fits it (an edited seal, or one made with another
    key, does not)."""
    try:
        stored = json.loads(path.read_text())
        body, signature = stored["seal"], str(stored["signature"])
    except (OSError, ValueError, KeyError, TypeError):
        return Seal(path=path, body={}, signature_ok=False)
    return Seal(path=path, body=body, signature_ok=hmac.compare_digest(signature, _signature(body)))


def seal_latest(*, directory: Path | None = None) -> Seal | None:
    directory = directory or Path(settings.CASEBOOK_SEAL_DIR)
    seals = sorted(directory.glob("seal-*.json")) if directory.exists() else []
    return seal_read(seals[-1]) if seals else None


def seal_notify(*, seal: Seal) -> list[Notification]:
    """E-mail the seal's fingerprint to every Head Teacher, at once, through the outbox.

    Writes: one Notification per Head Teacher (sent after commit).
    """
    # The seal covers the whole installation: every school's Head Teacher receives it.
    heads = User.objects.filter(is_active=True, memberships__roles__name=Role.HEAD.value).distinct()
    email = emails.daily_seal(fingerprint=seal.fingerprint, created_at=seal.created_at,
                              timelines=len(seal.body["chains"]), files=len(seal.body["files"]))
    sent = [notification_queue(recipient=head, kind=Notification.Kind.SEAL, email=email, at_once=True)
            for head in heads]
    return [notification for notification in sent if notification is not None]


def seal_daily() -> Seal:
    """The daily job (Celery beat's "daily-seal", or `manage.py seal_records`): write the seal and
    e-mail its fingerprint to the Head Teacher."""
    seal = seal_write()
    seal_notify(seal=seal)
    return seal
