"""Adding evidence, statements and contacts through the pages, and downloading evidence safely."""


from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.evidence import services as evidence_services
from incidents.models import Contact, Evidence, Statement
from tests.incidents.conftest import PNG


def test_office_uploads_evidence_and_sees_its_hash(client_for, office, log_concern):
    case = log_concern(by=office).case
    client = client_for(office)
    upload = SimpleUploadedFile("screenshot.png", PNG, content_type="image/png")
    response = client.post(f"/cases/{case.reference}/evidence/new/", {
        "file": upload, "provided_by": "Ruth Adeyemi", "provided_at": "2026-10-12T21:20", "obtained": "screenshot",
        "submission_token": "ev-1",
    }, follow=True)
    evidence = Evidence.objects.get()
    assert evidence.sha256[:12] in response.content.decode()


def test_evidence_downloads_as_an_attachment_never_inline(client_for, head, case):
    evidence = evidence_services.evidence_add(case=case, by=head, data=PNG, file_name="shot.png", provided_by="x",
                                              provided_at=timezone.now())
    response = client_for(head).get(f"/cases/{case.reference}/evidence/{evidence.pk}/download/")
    assert response["Content-Disposition"].startswith('attachment; filename="shot.png"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_statements_and_contacts_are_recorded_once(client_for, lead, case):
    client = client_for(lead)
    statement = {"given_by": "Ruth Adeyemi", "given_on": "2026-10-13", "text": "I saw the post.",
                 "submission_token": "st-1"}
    client.post(f"/cases/{case.reference}/statements/new/", statement)
    client.post(f"/cases/{case.reference}/statements/new/", statement)
    contact = {"happened_at": "2026-10-14T09:00", "with_whom": "Karl Dunn", "method": "phone",
               "summary": "Discussed the posts.", "submission_token": "co-1"}
    client.post(f"/cases/{case.reference}/contacts/new/", contact)
    assert Statement.objects.count() == 1 and Contact.objects.count() == 1


def test_office_cannot_record_statements_on_a_case_they_only_logged(client_for, office, log_concern):
    case = log_concern(by=office).case
    assert client_for(office).get(f"/cases/{case.reference}/statements/new/").status_code == 403


def test_the_upload_says_it_is_reading_a_chat_while_it_does(client_for, lead, case):
    # A chat export is read during the upload's request: the button carries the message the page
    # shows meanwhile (static/js/casebook.js), not a download, so the next page replaces it.
    page = client_for(lead).get(f"/cases/{case.reference}/evidence/new/").content.decode()
    assert 'data-busy="Uploading and checking the file (a chat export is read too)…">Add evidence</button>' in page
    assert "data-download" not in page
