import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.evidence import services as evidence_services
from incidents.models import Case, CaseEvent, CaseTombstone, Concern, Evidence, Statement
from incidents.records import services as record_services
from incidents.records.selectors import cases_due_for_disposal
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_case(case, lead, head, office, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    evidence_services.statement_add(case=case, by=lead, given_by="Ruth", given_on=timezone.localdate(), text="Saw it.")
    evidence = evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png",
                                              provided_by="x", provided_at=timezone.now())
    case_services.case_transition(case=case, to="closed", by=head, reason="Resolved")
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=365 * 7))
    case.refresh_from_db()
    return case, evidence


def test_closed_cases_past_retention_are_listed_for_the_head(old_case, log_concern, school, client_for, head):
    case, _ = old_case
    recent = log_concern().case
    due = cases_due_for_disposal(school=school, today=timezone.localdate())
    assert list(due) == [case]
    page = client_for(head).get("/privacy/disposal/").content.decode()
    assert case.reference in page and recent.reference not in page


def test_disposal_removes_the_content_and_keeps_a_tombstone(old_case, head, client_for):
    case, evidence = old_case
    stored = evidence.file.path
    response = client_for(head).post(f"/privacy/disposal/{case.reference}/", {"reason": "Six years passed"},
                                     follow=True)
    assert f"{case.reference} was disposed of" in response.content.decode()
    assert not Case.objects.exists() and not Concern.objects.exists() and not Evidence.objects.exists()
    assert not Statement.objects.exists() and not CaseEvent.objects.exists()
    assert not Case.history.exists() and not Concern.history.exists() and not Statement.history.exists()
    import os

    assert not os.path.exists(stored)
    tombstone = CaseTombstone.objects.get()
    assert (tombstone.reference, tombstone.authorised_by, tombstone.reason) == (case.reference, head,
                                                                                  "Six years passed")
    assert tombstone.removed["Evidence"] == 1 and tombstone.removed["Statements"] == 1
    assert case.reference in client_for(head).get("/privacy/disposal/").content.decode()


def test_an_open_or_recent_case_cannot_be_disposed_of(case, head):
    with pytest.raises(ValidationError, match="not due"):
        record_services.case_dispose(case=case, by=head, reason="x")
    assert Case.objects.filter(pk=case.pk).exists()


def test_only_the_head_teacher_disposes(old_case, lead, client_for):
    case, _ = old_case
    assert client_for(lead).post(f"/privacy/disposal/{case.reference}/", {"reason": "x"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()
