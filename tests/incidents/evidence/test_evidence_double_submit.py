"""A double-submitted upload keeps one file: the second copy waits for the first and stores nothing."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from incidents.evidence import services as evidence_services
from incidents.models import Evidence
from tests.conftest import SignedInClient
from tests.incidents.conftest import PNG


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def test_two_copies_of_one_upload_sent_at_once_leave_one_file(needs_postgresql, transactional_db, office,
                                                                 log_concern, private_storage, monkeypatch):
    case = log_concern(by=office).case
    original = evidence_services.evidence_add
    both_started = threading.Barrier(2, timeout=10)

    def slow_add(**kwargs):
        # Each copy stores its file, then lingers before committing, as a large upload would.
        evidence = original(**kwargs)
        threading.Event().wait(1.0)
        return evidence

    monkeypatch.setattr(evidence_services, "evidence_add", slow_add)
    responses = []

    def send() -> None:
        client = SignedInClient()
        client.force_login(office)
        both_started.wait()
        try:
            responses.append(client.post(f"/cases/{case.reference}/evidence/new/", {
                "file": SimpleUploadedFile("screenshot.png", PNG), "provided_by": "Ruth Adeyemi",
                "provided_at": "2026-10-12T21:20", "obtained": "screenshot", "submission_token": "same-form",
            }))
        finally:
            connection.close()

    copies = [threading.Thread(target=send) for _ in range(2)]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join()
    assert [response.status_code for response in responses] == [302, 302]
    assert Evidence.objects.count() == 1
    stored = [path for path in private_storage.rglob("*") if path.is_file()]
    assert [path.name for path in stored] == [Evidence.objects.get().file.name.rsplit("/", 1)[-1]]
