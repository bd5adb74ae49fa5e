import datetime
import io
import zipfile

import pytest
from django.utils import timezone
from pypdf import PdfReader

from incidents.evidence import services as evidence_services
from incidents.models.privacy import one_calendar_month_after
from incidents.records import services as record_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("received,due", [
    (datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)),
    (datetime.date(2026, 12, 15), datetime.date(2027, 1, 15)),
    (datetime.date(2028, 1, 30), datetime.date(2028, 2, 29)),
])
def test_the_deadline_is_one_calendar_month(received, due):
    assert one_calendar_month_after(received) == due


@pytest.fixture
def history(school, parent, office, lead, log_concern):
    witness = factories.ParentFactory(school=school, first_name="Ruth", last_name="Adeyemi")
    case = log_concern(parents=[parent], raised_by_name="Ruth Adeyemi",
                       description="Karl Dunn wrote that Ruth Adeyemi's son is a liar.").case
    evidence_services.statement_add(case=case, by=lead, given_by="Ruth Adeyemi", given_on=timezone.localdate(),
                                    text="Karl Dunn posted about my son.")
    evidence_services.statement_add(case=case, by=lead, given_by="Karl Dunn", given_on=timezone.localdate(),
                                    text="I was upset and I apologise.")
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png", provided_by="Ruth",
                                   provided_at=timezone.now())
    other = log_concern(parents=[witness], description="Unrelated case about someone else.").case
    return case, other


def _export(client, access_request, redact: bool):
    data = {} if redact else {"disclose_others": "on", "disclosure_reason": "Ruth consented in writing."}
    response = client.post(f"/privacy/requests/{access_request.pk}/export/", data)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    summary = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("summary.pdf"))).pages)
    return archive, summary


def test_head_records_a_request_and_exports_everything_about_the_parent(client_for, head, parent, history):
    case, other = history
    client = client_for(head)
    page = client.post("/privacy/requests/", {"parent": parent.pk, "received_on": "2026-11-02",
                                              "how_received": "E-mail"}, follow=True).content.decode()
    assert "Answer by 2 December 2026" in page
    access_request = parent.access_requests.get()
    archive, summary = _export(client, access_request, redact=False)
    assert case.reference in summary and other.reference not in summary
    assert "Ruth Adeyemi" in summary
    assert "I was upset and I apologise" in archive.read("statements-by-them.txt").decode()
    evidence = case.evidence.get()
    assert archive.read(f"evidence/{case.reference}/{evidence.pk}-shot.png") == factories.PNG
    assert case.events.filter(summary__startswith="Included in a subject access export", actor=head).exists()


def test_other_peoples_names_are_withheld_when_chosen(client_for, head, parent, history):
    access_request = record_services.subject_access_request_record(parent=parent, received_on=timezone.localdate(),
                                                                   by=head)
    _, summary = _export(client_for(head), access_request, redact=True)
    assert "Ruth Adeyemi" not in summary
    assert "[name withheld]" in summary
    assert "Karl Dunn" in summary
    assert "UK GDPR Art. 15(4) / DPA 2018 Sch. 2 para 16" in " ".join(summary.split())


def test_only_the_head_teacher_handles_subject_access(client_for, lead, office, parent, head):
    access_request = record_services.subject_access_request_record(parent=parent, received_on=timezone.localdate(),
                                                                   by=head)
    for user in (lead, office):
        assert client_for(user).get("/privacy/requests/").status_code == 403
        assert client_for(user).post(f"/privacy/requests/{access_request.pk}/export/").status_code == 403
