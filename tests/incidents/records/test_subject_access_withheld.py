"""A parent's subject access export withholds other people's personal data, lists what it withheld
and why, and the Head Teacher's choice to disclose it is recorded with a reason."""

import io
import re
import zipfile

import pytest
from django.utils import timezone
from pypdf import PdfReader

from incidents.chats import services as chat_services
from incidents.evidence import services as evidence_services
from incidents.records import services as record_services
from tests import factories

pytestmark = pytest.mark.django_db

CHAT = (b"25/11/2026, 20:01 - Karl Dunn: The deputy head is useless\n"
        b"25/11/2026, 20:02 - Ruth Adeyemi: Please stop this\n"
        b"25/11/2026, 20:03 - Sam Whitlow: Ruth is right, call me on 07700 900555\n"
        b"25/11/2026, 20:04 - Karl Dunn: Fine, I will stop\n")


@pytest.fixture
def anonymous_history(school, parent, office, lead, log_concern):
    """Ruth Adeyemi raised it anonymously (with her phone number); she also gave evidence, a statement,
    and wrote in the chat. A witness and the office's Olivia Okafor are named in free text."""
    other_parent = factories.ParentFactory(school=school, first_name="Pat", last_name="Quayle")
    case = log_concern(parents=[parent, other_parent], raised_by_name="Ruth Adeyemi",
                       raised_by_contact="07700 900456", raised_anonymously=True,
                       description="ruth   ADEYEMI (07700900456) saw Karl Dunn's post.").case
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png",
                                   provided_by="RUTH adeyemi", provided_at=timezone.now(),
                                   description="Sent in by Ruth Adeyemi")
    evidence_services.statement_add(case=case, by=lead, given_by="Ruth  Adeyemi", given_on=timezone.localdate(),
                                    text="I saw it on Monday.")
    evidence_services.statement_add(case=case, by=lead, given_by="Wendy Witness", given_on=timezone.localdate(),
                                    text="Pat Quayle and I read it. Olivia Okafor took my call.")
    evidence_services.statement_add(case=case, by=lead, given_by="karl dunn", given_on=timezone.localdate(),
                                    text="I was upset and I apologise.")
    chat_services.evidence_add_chat(case=case, by=office, data=CHAT, file_name="WhatsApp Chat.txt",
                                    provided_by="Ruth Adeyemi", provided_at=timezone.now())
    return case


def _request(parent, head):
    return record_services.subject_access_request_record(parent=parent, received_on=timezone.localdate(), by=head)


def _export(client, access_request, **data):
    response = client.post(f"/privacy/requests/{access_request.pk}/export/", data)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    pdf = PdfReader(io.BytesIO(archive.read("summary.pdf")))
    return archive, " ".join(" ".join(page.extract_text() for page in pdf.pages).split())


def _no_raiser(text: str) -> None:
    assert "adeyemi" not in text.casefold()
    assert "900456" not in re.sub(r"\D", "", text)


def test_by_default_the_export_withholds_everyone_else_and_says_what_and_why(
        client_for, head, parent, anonymous_history):
    archive, summary = _export(client_for(head), _request(parent, head))
    _no_raiser(summary)
    for third_party in ("Wendy Witness", "Pat Quayle", "Sam Whitlow", "Olivia Okafor", "900555"):
        assert third_party not in summary
    assert "raised by the person who raised the concern" in summary
    assert "the person who raised the concern, " in summary  # the raiser's statement, as the parent reads it
    assert "I was upset and I apologise" in summary and "Fine, I will stop" in summary  # their own words
    assert "Please stop this" not in summary
    assert "[2 messages from other members withheld]" in summary
    assert "Withheld" in summary
    assert "Third party personal data: UK GDPR Art. 15(4) / DPA 2018 Sch. 2 para 16; they asked to remain " \
           "anonymous" in summary
    assert "2 messages written by other members" in summary and "a witness" in summary
    names = archive.namelist()
    assert not any(name.endswith("WhatsApp Chat.txt") for name in names)  # the raw chat holds others' messages
    assert not any(name.endswith("shot.png") for name in names)  # the raiser's screenshot: cannot be redacted
    for name in names:
        if name.endswith(".txt"):
            _no_raiser(archive.read(name).decode())
    assert "I was upset" in archive.read("statements-by-them.txt").decode()  # given_by in another case
    event = anonymous_history.events.get(summary__startswith="Included in a subject access export")
    assert event.data["disclosed"] is False and event.actor == head


def test_the_head_may_disclose_with_a_reason_and_it_is_recorded(client_for, head, parent, anonymous_history):
    access_request = _request(parent, head)
    archive, summary = _export(client_for(head), access_request, disclose_others="on",
                               disclosure_reason="Wendy and Pat consented in writing")
    assert "Wendy Witness" in summary and "Pat Quayle" in summary and "Please stop this" in summary
    _no_raiser(summary)  # anonymity survives disclosure, as a chat author too
    assert "raised by the person who raised the concern" in summary  # anonymity survives disclosure
    timeline = re.sub(r"\s+", "", summary[summary.index("Timeline"):])  # the chronology, as the parent reads it
    assert "Statementfromthepersonwhoraisedtheconcern" in timeline
    assert "fromthepersonwhoraisedtheconcern" in timeline.split("Evidenceadded:shot.png", 1)[1][:60]
    # The anonymous raiser's screenshot, and the chat she wrote in, stay withheld even so.
    assert not any(name.endswith(("WhatsApp Chat.txt", "shot.png")) for name in archive.namelist())
    assert "shot.png Screenshot or image provided by the person who raised the concern" in summary
    for name in archive.namelist():
        if not name.endswith(".png"):
            _no_raiser(archive.read(name).decode(errors="replace") if not name.endswith(".pdf") else "")
    event = anonymous_history.events.get(summary__startswith="Included in a subject access export")
    assert event.data == {"subject_access_request": access_request.pk, "disclosed": True,
                          "reason": "Wendy and Pat consented in writing"}
    assert "Wendy and Pat consented in writing" in event.summary


def test_disclosing_without_a_reason_is_refused_and_nothing_is_exported(client_for, head, parent, anonymous_history):
    access_request = _request(parent, head)
    response = client_for(head).post(f"/privacy/requests/{access_request.pk}/export/",
                                     {"disclose_others": "on", "disclosure_reason": "  "}, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "Give the reason for disclosing" in response.content.decode()
    assert not anonymous_history.events.filter(summary__startswith="Included in a subject access").exists()


def test_only_the_head_may_record_a_disclosure(lead, parent, head, anonymous_history):
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        record_services.subject_access_export_record(access_request=_request(parent, head), by=lead,
                                                     disclosed=True, reason="I think so")


NAMED_CHAT = (b"25/11/2026, 20:01 - Karl Dunn: The deputy head is useless\n"
              b"25/11/2026, 20:02 - Pat Quayle: Leave it Karl\n"
              b"25/11/2026, 20:03 - Sam Whitlow: Pat is right, call me on 07700 900555\n")


@pytest.fixture
def files_history(school, parent, office, lead, log_concern):
    """A raiser who gave her name (not anonymous) sent a screenshot and a chat export naming other
    parents; the parent concerned sent in a screenshot of their own."""
    case = log_concern(parents=[parent], raised_by_name="Nadia Brook", raised_by_contact="07700 900777",
                       description="Karl Dunn's post in the class chat.").case
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="raiser-shot.png",
                                   provided_by="Nadia Brook", provided_at=timezone.now(),
                                   description="Screenshot of the class chat")
    chat_services.evidence_add_chat(case=case, by=office, data=NAMED_CHAT, file_name="Class chat.txt",
                                    provided_by="Nadia Brook", provided_at=timezone.now())
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="my-side.png",
                                   provided_by="karl DUNN", provided_at=timezone.now())
    return case


def _withheld_rows(summary: str) -> str:
    return summary[summary.rindex("Withheld"):]


def test_files_others_gave_are_withheld_by_default_and_listed_with_why(client_for, head, parent, files_history):
    archive, summary = _export(client_for(head), _request(parent, head))
    names = archive.namelist()
    assert not any(name.endswith(("raiser-shot.png", "Class chat.txt")) for name in names)
    assert any(name.endswith("my-side.png") for name in names)  # the parent's own file is theirs
    for name in names:  # nothing in the export carries the chat's other members
        if name.endswith(".txt"):
            assert "Pat Quayle" not in archive.read(name).decode() and "Sam Whitlow" not in archive.read(name).decode()
    assert "Pat Quayle" not in summary and "900555" not in summary and "Nadia Brook" not in summary
    withheld = _withheld_rows(summary)
    squashed = re.sub(r"\s+", "", withheld)  # the PDF's table wraps long file names anywhere
    assert "evidenceraiser-shot.pngScreenshotorimageprovidedby[namewithheld]" in squashed
    assert "evidenceClasschat.txtChatexportprovidedby[namewithheld]" in squashed
    assert "otherpeopleshowninit" in squashed and "othermembersofthechat" in squashed
    assert "my-side.png" not in squashed
    assert withheld.count("a file cannot be redacted automatically") == 2
    assert "UK GDPR Art. 15(4)" in withheld and "ICO guidance: right of access" in withheld


def test_the_head_may_disclose_the_files(client_for, head, parent, files_history):
    archive, summary = _export(client_for(head), _request(parent, head), disclose_others="on",
                               disclosure_reason="Nadia and Pat consented in writing")
    evidence = {item.original_name: item for item in files_history.evidence.all()}
    for name in ("raiser-shot.png", "Class chat.txt", "my-side.png"):
        item = evidence[name]
        with item.file.open("rb") as handle:
            assert archive.read(f"evidence/{files_history.reference}/{item.pk}-{name}") == handle.read()
    assert "Pat Quayle" in summary
    assert "a file cannot be redacted automatically" not in _withheld_rows(summary)
