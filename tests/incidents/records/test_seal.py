"""Tamper evidence beyond the plain chain: a keyed chain, and the daily seal kept outside the
database. Each test is a tampering that verify_integrity missed before the seal and the key."""

import json

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from config.celery import app as celery_app
from incidents.cases import services as case_services
from incidents.cases.timeline import _event_digest
from incidents.chats import services as chat_services
from incidents.evidence import services as evidence_services
from incidents.evidence.uploads import sha256_of
from incidents.letters import services as letter_services
from incidents.models import CaseEvent, ChatMedia, Evidence, Letter
from incidents.records.seal import seal_latest, seal_write
from tests import factories
from tests.incidents.chats.conftest import DEMO_CHAT, JPEG, make_zip

pytestmark = pytest.mark.django_db


def _run(capsys):
    try:
        call_command("verify_integrity")
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().out


def _rewrite_chain_in_plain_sha256(case, *, mark_plain: bool) -> None:
    """What someone with write access to the database, but not the key, can do: recompute the chain."""
    prev = ""
    for event in CaseEvent.objects.filter(case=case).order_by("id"):
        event.prev_hash = prev
        if mark_plain:
            event.algorithm = CaseEvent.Algorithm.SHA256
        event.hash = _event_digest(event, CaseEvent.Algorithm.SHA256)
        CaseEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash,
                                                     algorithm=event.algorithm)
        prev = event.hash


@pytest.fixture
def recorded(case, lead, office):
    case_services.case_transition(case=case, to="investigating", by=lead)
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png", provided_by="x",
                                   provided_at=timezone.now())
    zipped = make_zip({"WhatsApp Chat with Year 4.txt": DEMO_CHAT, "IMG-0001.jpg": JPEG})
    chat_services.evidence_add_chat(case=case, by=office, data=zipped, file_name="chat.zip",
                                    provided_by="Ruth Adeyemi", provided_at=timezone.now())
    return case


def test_new_events_are_keyed_with_the_integrity_key(recorded, settings):
    event = recorded.events.order_by("id").last()
    assert event.algorithm == CaseEvent.Algorithm.HMAC_SHA256
    settings.CASEBOOK_INTEGRITY_KEY = "another-key"
    assert _event_digest(event) != event.hash  # the hash depends on the key, not only on the content


def test_an_untouched_database_verifies_against_its_seal(recorded, capsys):
    seal_write()
    code, out = _run(capsys)
    assert code == 0 and "Everything matches" in out and "fingerprint" in out


def test_an_edit_with_the_chain_recomputed_in_plain_sha256_is_reported(recorded, capsys):
    CaseEvent.objects.filter(case=recorded, kind=CaseEvent.Kind.STATUS).update(summary="Status: nothing happened")
    _rewrite_chain_in_plain_sha256(recorded, mark_plain=False)
    code, out = _run(capsys)
    assert code == 1 and "changed after it was recorded" in out


def test_an_edit_with_the_newest_events_downgraded_to_plain_sha256_is_reported(recorded, capsys):
    newest = recorded.events.order_by("id").last()
    CaseEvent.objects.filter(pk=newest.pk).update(summary="Nothing was added", algorithm=CaseEvent.Algorithm.SHA256)
    newest.refresh_from_db()
    CaseEvent.objects.filter(pk=newest.pk).update(hash=_event_digest(newest, CaseEvent.Algorithm.SHA256))
    code, out = _run(capsys)
    assert code == 1 and "plain SHA-256 after keyed events" in out


def test_a_whole_chain_rewritten_in_plain_sha256_is_reported_against_the_seal(recorded, capsys):
    seal_write()
    CaseEvent.objects.filter(case=recorded, kind=CaseEvent.Kind.STATUS).update(summary="Status: nothing happened")
    _rewrite_chain_in_plain_sha256(recorded, mark_plain=True)
    code, out = _run(capsys)
    assert code == 1 and f"{recorded.reference} timeline" in out and "the chain was rewritten" in out


def test_deleting_a_case_newest_event_is_reported_against_the_seal(recorded, capsys):
    seal_write()
    CaseEvent.objects.filter(pk=recorded.events.order_by("id").last().pk).delete()
    code, out = _run(capsys)
    assert code == 1 and "events were removed" in out


def test_a_changed_byte_in_a_chat_photo_is_reported(recorded, capsys):
    media = ChatMedia.objects.get()
    data = bytearray(media.file.read())
    media.file.close()
    data[-1] ^= 1
    with open(media.file.path, "wb") as handle:
        handle.write(data)
    code, out = _run(capsys)
    assert code == 1 and f"chat media {media.pk}" in out and "SHA-256 is" in out


def test_a_chat_photo_changed_with_its_recorded_digest_is_reported_against_the_seal(recorded, capsys):
    seal_write()
    media = ChatMedia.objects.get()
    with open(media.file.path, "ab") as handle:
        handle.write(b"!")
    ChatMedia.objects.filter(pk=media.pk).update(sha256=sha256_of(open(media.file.path, "rb").read()))
    code, out = _run(capsys)
    assert code == 1 and f"chat media {media.pk}" in out and "changed since it was sealed" in out


def test_an_evidence_row_deleted_with_its_file_is_reported_against_the_seal(recorded, capsys):
    seal_write()
    evidence = Evidence.objects.get(original_name="shot.png")
    evidence.file.delete(save=False)
    Evidence.objects.filter(pk=evidence.pk).delete()
    Evidence.history.filter(id=evidence.pk).delete()
    code, out = _run(capsys)
    assert code == 1 and f"evidence {evidence.pk}" in out and "its record is gone" in out


def test_a_changed_issued_letter_pdf_with_its_digest_is_reported_against_the_seal(recorded, lead, school, capsys):
    from policies.defaults import load_defaults

    load_defaults(school=school)
    letter = letter_services.letter_start(case=recorded, purpose="warning", by=lead, recipient=recorded.parents.first())
    # What is sealed is the issued PDF; whether this bare case's letter names its clauses is not the point.
    Letter.objects.filter(pk=letter.pk).update(missing_parts=[])
    letter_services.letter_render_pdf(letter_id=letter.pk)
    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.ISSUED)
    letter.refresh_from_db()
    seal_write()
    with open(letter.pdf.path, "ab") as handle:
        handle.write(b"%% changed")
    Letter.objects.filter(pk=letter.pk).update(sha256=sha256_of(open(letter.pdf.path, "rb").read()))
    code, out = _run(capsys)
    assert code == 1 and f"letter {letter.pk}" in out and "differs from the one sealed" in out


def test_an_edited_seal_is_reported(recorded, capsys):
    seal = seal_write()
    stored = json.loads(seal.path.read_text())
    stored["seal"]["chains"][recorded.reference]["hash"] = "0" * 64
    seal.path.write_text(json.dumps(stored))
    code, out = _run(capsys)
    assert code == 1 and "its signature does not fit" in out


def test_seal_records_writes_outside_the_database_and_mails_the_fingerprint_to_the_head(
        recorded, head, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seal_records")
    seal = seal_latest()
    assert seal is not None and seal.path.parent == settings.CASEBOOK_SEAL_DIR
    assert recorded.reference in seal.body["chains"]
    assert {entry["kind"] for entry in seal.body["files"]} == {"evidence", "chat media"}
    assert seal.fingerprint in capsys.readouterr().out
    sent = [message for message in mail.outbox if message.to == [head.email]]
    assert len(sent) == 1 and seal.fingerprint in sent[0].body
    assert "Karl" not in sent[0].body and "shot.png" not in sent[0].body  # no confidential detail


def test_the_seal_runs_daily_on_the_worker():
    entry = settings.CELERY_BEAT_SCHEDULE["daily-seal"]
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
