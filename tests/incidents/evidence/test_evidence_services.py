"""Evidence, statements and contacts: files kept exactly as received, checked by content and size."""


import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.evidence import services as evidence_services
from incidents.models import Evidence
from tests import factories
from tests.incidents.conftest import PNG


def test_evidence_add_keeps_the_file_with_its_sha256(case, office):
    evidence = evidence_services.evidence_add(case=case, by=office, data=PNG, file_name="screenshot.png",
                                              provided_by="Ruth Adeyemi", provided_at=timezone.now())
    import hashlib

    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()
    assert evidence.content_type == "image/png"
    with evidence.file.open("rb") as handle:
        assert handle.read() == PNG
    assert "screenshot.png" not in evidence.file.name  # stored name never comes from the uploader


@pytest.mark.parametrize("data,name,message", [
    (b"<html><script>alert(1)</script></html>", "photo.png", "Web pages and SVG"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "photo.png", "SVG"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "report.pdf", "Programs"),
    (b"\x00\x01\x02\x03binary", "notes.txt", "not accepted"),
    (PNG, "../../etc/passwd", "not allowed"),
    (PNG, "shot\x07.png", "not allowed"),
])
def test_evidence_add_refuses_hostile_files_and_keeps_nothing(case, office, data, name, message):
    with pytest.raises(ValidationError, match=message):
        evidence_services.evidence_add(case=case, by=office, data=data, file_name=name, provided_by="x",
                                       provided_at=timezone.now())
    assert not Evidence.objects.exists()


def test_evidence_add_refuses_a_file_over_the_school_limit(case, office, school):
    school.evidence_max_mb = 1
    school.save()
    case.school.refresh_from_db()
    with pytest.raises(ValidationError, match="the limit is 1 MB"):
        evidence_services.evidence_add(case=case, by=office, data=PNG + b"\x00" * (1024 * 1024), file_name="big.png",
                                       provided_by="x", provided_at=timezone.now())


@pytest.mark.parametrize("data,content_type", [
    (b"From: a@example.com\nTo: office@school.example\nSubject: Complaint\n\nHello", "message/rfc822"),
    ("Plain notes with a pound sign £ and accents é".encode(), "text/plain"),
    (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF", "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", "image/jpeg"),
])
def test_evidence_type_is_judged_by_content(case, office, data, content_type):
    evidence = evidence_services.evidence_add(case=case, by=office, data=data, file_name="anything.bin",
                                              provided_by="x", provided_at=timezone.now())
    assert evidence.content_type == content_type


def test_contact_with_a_parent_must_be_a_parent_of_the_case(case, lead, school):
    stranger = factories.ParentFactory(school=school)
    with pytest.raises(ValidationError, match="not one of the parents"):
        evidence_services.contact_record(case=case, by=lead, happened_at=timezone.now(), with_whom="x", method="phone",
                                         summary="…", parent=stranger)
