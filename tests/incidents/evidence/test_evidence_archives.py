"""Every upload that is a zip goes through the archive checks, whatever it is called and wherever it enters;
a file's content must agree with what its name says it is."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.utils import timezone

from incidents.evidence import services as evidence_services
from incidents.models import ChatImport, Evidence, Sanction
from policies.models import ResponseType
from tests import factories
from tests.incidents.conftest import PNG

CHAT = b"22/03/2026, 09:05 - Ann Lee: Good morning all\n22/03/2026, 09:06 - Bob Ray: Morning\n"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF"
DOCX_PARTS = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}


def make_zip(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zipped:
        for name, content in files.items():
            zipped.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 22, 9, 5, 0)), content, compression)
    return buffer.getvalue()


BOMB = make_zip({"_chat.txt": CHAT, "IMG-1.jpg": b"\x00" * (5 * 1024 * 1024)})
DOCX_BOMB = make_zip(DOCX_PARTS | {"word/media/image1.png": b"\x00" * (5 * 1024 * 1024)})


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def evidence_post(client, case, upload, obtained="document", token="ev-1"):
    return client.post(f"/cases/{case.reference}/evidence/new/", {
        "file": upload, "provided_by": "Ruth Adeyemi", "provided_at": "2026-10-12T21:20", "obtained": obtained,
        "submission_token": token,
    })


def test_the_bomb_is_a_bomb():
    assert len(BOMB) < 50_000 and len(DOCX_BOMB) < 50_000


@pytest.mark.parametrize("name", ["bomb.png", "bomb.docx", "bomb", "bomb.pdf", "bomb.txt"])
@pytest.mark.parametrize("data", [BOMB, DOCX_BOMB], ids=["chat-bomb", "docx-bomb"])
@pytest.mark.parametrize("obtained", ["document", "screenshot"])
def test_a_renamed_zip_bomb_is_refused_on_the_evidence_page_and_nothing_is_stored(
    client_for, office, case, private_storage, name, data, obtained
):
    response = evidence_post(client_for(office), case, SimpleUploadedFile(name, data), obtained=obtained)
    assert response.status_code == 200
    assert "zip bomb" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(private_storage) == []


@pytest.mark.parametrize("entry", ["../../etc/cron.d/evil", "/etc/passwd", "C:/Windows/evil.dll", "word/../../x"])
@pytest.mark.parametrize("name", ["letter.docx", "letter.pdf", "letter"])
def test_a_zip_with_paths_that_climb_out_is_refused_whatever_it_is_called(
    client_for, office, case, private_storage, entry, name
):
    data = make_zip(DOCX_PARTS | {entry: b"x"})
    response = evidence_post(client_for(office), case, SimpleUploadedFile(name, data))
    assert "The zip has a file" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(private_storage) == []


def test_a_chat_zip_bomb_is_refused_when_uploaded_as_a_chat(client_for, office, case, private_storage):
    response = evidence_post(client_for(office), case, SimpleUploadedFile("chat.zip", BOMB), obtained="chat_export")
    assert "zip bomb" in response.content.decode()
    assert not Evidence.objects.exists() and stored_files(private_storage) == []


def test_the_representations_form_refuses_a_zip_bomb_and_keeps_nothing(client_for, school, lead, head,
                                                                        private_storage):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.PROVISIONAL_BAN])
    ban = case.sanctions.get()
    today = timezone.localdate().isoformat()
    client_for(head).post(f"/cases/{case.reference}/sanctions/{ban.pk}/provisional/", {
        "on": today, "reasons": "Threatened the deputy head.", "starts_on": today,
        "conditions": "Grandmother drops off and collects at the side gate.", "submission_token": "ban-1"})
    ban.refresh_from_db()
    assert ban.state == Sanction.State.PROVISIONAL
    response = client_for(lead).post(f"/cases/{case.reference}/sanctions/{ban.pk}/representations/", {
        "on": today, "text": "I apologise.", "submission_token": "rep-1",
        "files": [SimpleUploadedFile("letter.png", PNG), SimpleUploadedFile("bomb.zip", BOMB)]})
    assert "zip bomb" in response.content.decode()
    ban.refresh_from_db()
    assert ban.state == Sanction.State.PROVISIONAL
    assert not case.evidence.exists()
    assert stored_files(private_storage) == []  # not even the good first file


@pytest.mark.parametrize("data,name,says", [
    (PNG, "photo.pdf", "is named .pdf but is not a PDF document"),
    (PDF, "scan.png", "is named .png but is not a PNG image"),
    (PNG, "letter.docx", "is named .docx but is not a Word document"),
    (make_zip({"_chat.txt": CHAT}), "letter.docx", "is named .docx but is not a Word document"),
    (make_zip(DOCX_PARTS), "photo.jpg", "is named .jpg but is not a JPEG image"),
    (b"Just some notes", "scan.pdf", "is named .pdf but is not a PDF document"),
    (PNG, "page.html", "Files named .html cannot be added"),
    (PNG, "image.svg", "Files named .svg cannot be added"),
])
def test_content_must_agree_with_the_name(case, office, private_storage, data, name, says):
    with pytest.raises(ValidationError, match=says):
        evidence_services.evidence_add(case=case, by=office, data=data, file_name=name, provided_by="x",
                                       provided_at=timezone.now())
    assert not Evidence.objects.exists() and stored_files(private_storage) == []


@pytest.mark.parametrize("data,name,content_type", [
    (make_zip(DOCX_PARTS), "minutes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (PNG, "photo.PNG", "image/png"),
    (PDF, "scan.pdf", "application/pdf"),
    (b"From: a@example.com\nTo: b@example.com\nSubject: x\n\nHello", "mail.txt", "message/rfc822"),
    (PNG, "no-extension", "image/png"),
])
def test_files_whose_content_agrees_with_their_name_are_kept(case, office, data, name, content_type):
    evidence = evidence_services.evidence_add(case=case, by=office, data=data, file_name=name, provided_by="x",
                                              provided_at=timezone.now())
    assert evidence.content_type == content_type


@pytest.mark.parametrize("front,label", [(PNG, "PNG image"), (PDF, "PDF document")])
def test_an_image_or_pdf_with_a_zip_appended_is_refused(case, office, front, label):
    with pytest.raises(ValidationError, match=f"both a {label} and an archive"):
        evidence_services.evidence_add(case=case, by=office, data=front + make_zip(DOCX_PARTS), file_name="x",
                                       provided_by="x", provided_at=timezone.now())


def test_an_uncompressed_chat_zip_whose_messages_say_html_is_read_as_a_chat(client_for, office, case):
    chat = CHAT + b"22/03/2026, 09:07 - Ann Lee: the link says <html><body> in it, odd\n"
    data = make_zip({"_chat.txt": chat}, compression=zipfile.ZIP_STORED)
    assert b"<html>" in data[:8192]
    evidence_post(client_for(office), case, SimpleUploadedFile("chat.zip", data), obtained="chat_export")
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/zip"
    assert ChatImport.objects.get(evidence=evidence).status == ChatImport.Status.READ


def test_an_uncompressed_zip_that_is_not_a_chat_but_says_html_is_kept_as_an_archive(case, office):
    data = make_zip({"notes.txt": b"<html><script>alert(1)</script></html>"}, compression=zipfile.ZIP_STORED)
    evidence = evidence_services.evidence_add(case=case, by=office, data=data, file_name="notes.zip",
                                              provided_by="x", provided_at=timezone.now())
    assert evidence.content_type == "application/zip"


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client_for, office, case, monkeypatch,
                                                               private_storage):
    case.school.evidence_max_mb = 1
    case.school.save()

    def no_reading(self, *args):
        raise AssertionError("the upload was read before its size was checked")

    monkeypatch.setattr(InMemoryUploadedFile, "read", no_reading)
    big = io.BytesIO(PNG + b"\x00" * (1024 * 1024 + 1))
    big.name = "big.png"
    response = evidence_post(client_for(office), case, big, obtained="screenshot")
    assert "the limit is 1 MB" in response.content.decode()
    assert not Evidence.objects.exists() and stored_files(private_storage) == []
