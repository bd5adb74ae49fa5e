import pytest
from django.core.exceptions import ValidationError

from incidents.chats import selectors as chat_selectors
from incidents.chats import services as chat_services
from incidents.evidence import uploads
from incidents.letters import services as letter_services
from incidents.models import CaseEvent, ChatImport, ChatMark, ChatMedia, ChatMessage, Evidence
from policies.templating import render_letter_template, validate_letter_template
from tests.incidents.chats.conftest import AMBIGUOUS_CHAT, DEMO_CHAT, JPEG, make_zip, message_saying

pytestmark = pytest.mark.django_db


def test_evidence_add_chat_keeps_the_bytes_and_reads_every_message(import_chat):
    result = import_chat()
    assert result.outcome == "read"
    evidence, chat = result.evidence, result.chat_import
    assert evidence.file.open("rb").read() == DEMO_CHAT
    assert evidence.obtained == Evidence.Obtained.CHAT_EXPORT
    assert chat.status == ChatImport.Status.READ and chat.date_order == "dmy" and not chat.date_order_chosen
    assert chat.authors == ["Ruth Adeyemi", "Ben Castle", "+44 7700 900461", "Karl Dunn"]
    assert chat.message_count == 13 == chat.messages.count()
    kit = message_saying(chat, "kit list?")
    assert kit.text == "Thanks Ruth. Does anyone know the kit list?\nTowel, hat, goggles?"
    assert kit.sent_at.isoformat() == "2026-10-12T18:40:00"  # as written: no time zone shift
    assert kit.key == chat_services.chat_message_key(line_number=5, text=kit.text)
    kinds = list(chat.messages.values_list("kind", flat=True))
    assert kinds.count("system") == 4 and kinds.count("deleted") == 1 and kinds.count("media") == 1
    summaries = list(evidence.case.events.values_list("summary", flat=True))
    assert any(s.startswith("Chat read from WhatsApp Chat with Year 4 Kestrels.txt: 13 messages") for s in summaries)


def test_evidence_add_chat_from_a_zip_keeps_its_photo_with_the_message(import_chat):
    data = make_zip({"WhatsApp Chat with Year 4 Kestrels.txt": DEMO_CHAT, "IMG-20261013-WA0001.jpg": JPEG,
                     "notes.bin": b"\x00\x01 not an image"})
    chat = import_chat(data, "Year 4.zip").chat_import
    photo = ChatMedia.objects.get(chat_import=chat, name="IMG-20261013-WA0001.jpg")
    assert photo.content_type == "image/jpeg" and photo.file.open("rb").read() == JPEG
    assert uploads.sha256_of(JPEG) == photo.sha256
    assert ChatMedia.objects.get(name="notes.bin").content_type == "application/octet-stream"
    assert chat.messages.get(kind="media").media_name == "IMG-20261013-WA0001.jpg"


def test_evidence_add_chat_asks_for_the_date_order_and_keeps_the_file_meanwhile(import_chat, office):
    result = import_chat(AMBIGUOUS_CHAT, "chat.txt")
    assert result.outcome == "awaiting_date_order"
    chat = result.chat_import
    assert chat.status == ChatImport.Status.AWAITING_DATE_ORDER and not chat.messages.exists()
    assert result.evidence.file.open("rb").read() == AMBIGUOUS_CHAT
    chat_services.chat_import_choose_date_order(chat_import=chat, date_order="dmy", by=office)
    chat.refresh_from_db()
    assert chat.date_order_chosen and chat.message_count == 8
    assert message_saying(chat, "useless").sent_at.isoformat() == "2026-02-06T20:11:00"
    with pytest.raises(ValidationError, match="already been read"):
        chat_services.chat_import_choose_date_order(chat_import=chat, date_order="mdy", by=office)


def test_evidence_add_chat_in_month_first_order_reads_may_not_february(import_chat, office):
    chat = import_chat(AMBIGUOUS_CHAT, "chat.txt").chat_import
    chat_services.chat_import_choose_date_order(chat_import=chat, date_order="mdy", by=office)
    assert message_saying(chat, "useless").sent_at.isoformat() == "2026-06-02T20:11:00"


def test_evidence_add_chat_keeps_notes_that_are_not_a_chat_as_ordinary_evidence(import_chat):
    result = import_chat(b"Notes from the phone call with Ruth.\nShe was upset.\n", "notes.txt")
    assert result.outcome == "not_a_chat" and result.chat_import is None
    assert "kept as ordinary evidence" in result.message and "not a WhatsApp chat export" in result.message
    assert result.evidence.obtained == Evidence.Obtained.DOCUMENT
    assert not ChatImport.objects.exists()


def test_evidence_add_chat_refuses_an_unsafe_zip_and_keeps_nothing(import_chat):
    data = make_zip({"_chat.txt": DEMO_CHAT, "../../etc/cron.d/evil.jpg": JPEG})
    with pytest.raises(ValidationError, match="climbs out of its folder"):
        import_chat(data, "chat.zip")
    assert not Evidence.objects.exists() and not ChatImport.objects.exists()


def test_chat_message_mark_records_the_clause_and_an_event(import_chat, lead, clauses):
    chat = import_chat().chat_import
    message = message_saying(chat, "useless")
    mark = chat_services.chat_message_mark(message=message, clause=clauses[0], by=lead, note="Names the deputy head")
    assert mark.message_key == message.key
    event = chat.evidence.case.events.order_by("-id").first()
    assert event.kind == CaseEvent.Kind.EVIDENCE
    assert event.summary.startswith("Chat message marked (clause 3.1): Karl Dunn, 13/10/2026 21:14")
    with pytest.raises(ValidationError, match="already marked"):
        chat_services.chat_message_mark(message=message, clause=clauses[0], by=lead)


def test_chat_message_mark_refuses_a_clause_of_another_policy_and_group_events(import_chat, lead, clauses):
    from policies.models import Clause, Policy, PolicyVersion

    chat = import_chat().chat_import
    other = PolicyVersion.objects.create(policy=Policy.objects.create(school=chat.evidence.case.school, title="Old"),
                                         number=1)
    stray = Clause.objects.create(version=other, number="9.9", kind="guideline", text="Elsewhere")
    with pytest.raises(ValidationError, match="policy in force"):
        chat_services.chat_message_mark(message=message_saying(chat, "useless"), clause=stray, by=lead)
    with pytest.raises(ValidationError, match="Group events"):
        chat_services.chat_message_mark(message=chat.messages.get(text="Karl Dunn left"), clause=clauses[0], by=lead)


def test_chat_mark_remove_keeps_the_mark_on_record(import_chat, lead, head, clauses):
    chat = import_chat().chat_import
    mark = chat_services.chat_message_mark(message=message_saying(chat, "useless"), clause=clauses[0], by=lead)
    chat_services.chat_mark_remove(mark=mark, by=head)
    mark.refresh_from_db()
    assert mark.removed_by == head and mark.removed_at is not None
    assert ChatMark.objects.count() == 1
    assert chat_selectors.marked_messages_for(chat.evidence.case, redact_others=False) == []
    assert chat.evidence.case.events.filter(summary__startswith="Chat mark removed (clause 3.1)").exists()


def test_chat_import_rebuild_recreates_the_messages_and_keeps_the_marks(import_chat, lead, clauses):
    chat = import_chat().chat_import
    chat_services.chat_message_mark(message=message_saying(chat, "useless"), clause=clauses[0], by=lead)
    chat_services.chat_message_mark(message=message_saying(chat, "teacher's pet"), clause=clauses[1], by=lead)
    before = list(chat.messages.values_list("key", "position", "author", "text", "kind", "sent_on", "sent_time"))
    quoted_before = chat_selectors.marked_messages_for(chat.evidence.case, redact_others=False)
    ChatMessage.objects.filter(chat_import=chat).delete()
    assert chat_selectors.marked_messages_for(chat.evidence.case, redact_others=False) == []

    chat_services.chat_import_rebuild(chat_import=chat, by=lead)

    after = list(chat.messages.values_list("key", "position", "author", "text", "kind", "sent_on", "sent_time"))
    assert after == before
    assert chat_selectors.marked_messages_for(chat.evidence.case, redact_others=False) == quoted_before
    assert [q["clause"] for q in quoted_before] == ["3.1", "3.2"]


def test_chat_import_rebuild_refuses_a_stored_file_that_changed(import_chat, lead):
    chat = import_chat().chat_import
    path = chat.evidence.file.path
    with open(path, "ab") as stored:
        stored.write(b"13/10/2026, 23:00 - Karl Dunn: sorry\n")
    with pytest.raises(chat_services.ChatEvidenceChanged, match="no longer matches its SHA-256"):
        chat_services.chat_import_rebuild(chat_import=chat, by=lead)
    assert chat.messages.count() == 13  # nothing was thrown away


def test_marked_messages_for_redacts_other_members_and_phone_numbers(import_chat, lead, clauses):
    chat = import_chat().chat_import
    chat_services.chat_message_mark(message=message_saying(chat, "teacher's pet"), clause=clauses[1], by=lead)
    chat_services.chat_message_mark(message=message_saying(chat, "spare towel"), clause=clauses[1], by=lead)
    plain = chat_selectors.marked_messages_for(chat.evidence.case, redact_others=False)
    assert plain[0]["author"] == "+44 7700 900461" and "07700 900461" in plain[0]["text"]
    redacted = chat_selectors.marked_messages_for(chat.evidence.case, redact_others=True)
    assert redacted[0] == {
        "author": "[group member C]", "sent_at": plain[0]["sent_at"], "clause": "3.2",
        "text": "Hat and goggles yes. Call me on [phone number] if you need a spare towel",
    }
    assert redacted[1]["author"] == "Karl Dunn"
    assert redacted[1]["text"] == ("[group member B]'s a teacher's pet. Everyone should ring the office on "
                                   "[phone number] and tell them what we think of her")


def test_quoted_messages_can_be_quoted_in_a_letter(import_chat, lead, clauses):
    chat = import_chat().chat_import
    chat_services.chat_message_mark(message=message_saying(chat, "useless"), clause=clauses[0], by=lead)
    body = ("{% for m in quoted_messages %}{{ m.author }} on {{ m.sent_at|date:'j F Y \\a\\t H:i' }} "
            "(clause {{ m.clause }}): {{ m.text }}{% endfor %}")
    assert validate_letter_template(body) == []
    quoted = chat_selectors.marked_messages_for(chat.evidence.case, redact_others=True)
    assert render_letter_template(body, {"quoted_messages": quoted}) == (
        "Karl Dunn on 13 October 2026 at 21:14 (clause 3.1): The deputy head is useless, "
        "I&#x27;ll be telling her so at the gate tomorrow"
    )


def test_a_warning_letter_quotes_the_marked_messages_with_other_members_withheld(import_chat, lead, school):
    from incidents.letters.pdf import letter_document_html
    from policies.defaults import load_defaults

    load_defaults(school=school)
    chat = import_chat().chat_import
    case = chat.evidence.case
    message = message_saying(chat, "useless")
    clause = case.policy_version.clauses.filter(kind="inappropriate").first()
    chat_services.chat_message_mark(message=message, clause=clause, by=lead)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=case.parents.first())
    html = letter_document_html(letter)
    assert "The messages concerned were" in html
    from django.utils.html import escape

    assert escape(message.text.split("\n")[0]) in html
    others = [name for name in chat.authors if name not in {p.full_name for p in case.parents.all()}]
    assert not any(name in html for name in others)
