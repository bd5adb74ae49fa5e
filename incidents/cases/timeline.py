"""The case's timeline: the readable record of what happened, each line chained to the one before it
by its hash so that an edit or a deletion shows (records.integrity checks the chain).

The hash is an HMAC-SHA-256 keyed with CASEBOOK_INTEGRITY_KEY, a secret kept outside the database:
someone who can write to the database can edit an event, but cannot make a hash that fits it.
Events recorded before the chain was keyed keep their plain SHA-256 and verify as such; the daily
seal (records.seal) pins every chain's newest event, so a chain rewritten in plain SHA-256 shows too."""

import datetime
import hashlib
import hmac
import json

from django.conf import settings
from django.utils import timezone

from incidents.models import (
    Case,
    CaseEvent,
    User,
)


def integrity_key() -> bytes:
    return settings.CASEBOOK_INTEGRITY_KEY.encode()


def _event_digest(event: CaseEvent, algorithm: str = CaseEvent.Algorithm.HMAC_SHA256) -> str:
    payload = json.dumps(
        {
            "case": event.case.reference,
            # Stable across time zones, databases and a restore from backup: user ids may change,
            # and fixtures keep times to the millisecond.
            "at": event.at.astimezone(datetime.UTC).isoformat(timespec="milliseconds"),
            "actor": event.actor.username if event.actor else None,  # no actor id: None, without a query
            "kind": event.kind,
            "summary": event.summary,
            "data": event.data,
            "prev": event.prev_hash,
        },
        sort_keys=True,
        default=str,
    ).encode()
    if algorithm == CaseEvent.Algorithm.SHA256:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(integrity_key(), payload, hashlib.sha256).hexdigest()


def case_event_record(
    *,
    case: Case,
    kind: str,
    summary: str,
    actor: User | None = None,
    data: dict | None = None,
    at: datetime.datetime | None = None,
) -> CaseEvent:
    """Add one line to the case's timeline, chained to the line before it by its hash.

    Writes: one CaseEvent. Called by the other services here (and later ones), never by views.
    The case row is locked so two events cannot both claim the same predecessor.
    """
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
    last = CaseEvent.objects.filter(case=case).order_by("-id").values_list("hash", flat=True).first()
    event = CaseEvent(
        case=case, kind=kind, summary=summary[:300], actor=actor, data=data or {},
        at=at or timezone.now(), prev_hash=last or "", algorithm=CaseEvent.Algorithm.HMAC_SHA256,
    )
    event.hash = _event_digest(event)
    event.save()
    return event


def case_event_verify(event: CaseEvent) -> bool:
    """The event's hash fits its content, by the algorithm it was recorded with."""
    return hmac.compare_digest(event.hash, _event_digest(event, event.algorithm))
