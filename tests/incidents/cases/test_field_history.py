"""The field history reads in words: labels, choices by name, people by name, clauses by number and
words, dates as the school writes them; never stored codes or ids."""

import datetime

import pytest

from incidents.cases import services as case_services
from incidents.models import Case
from policies.defaults import load_defaults
from policies.models import Clause

pytestmark = pytest.mark.django_db


@pytest.fixture
def clause(case, school):
    """A clause of the school's code of conduct, in the version the case is judged against."""
    load_defaults(school=school)
    clause = Clause.objects.filter(version__policy__school=school).order_by("position").first()
    Case.objects.filter(pk=case.pk).update(policy_version=clause.version)
    case.refresh_from_db()
    return clause


def test_field_history_reads_in_words(case, head, lead, clause, client_for):
    Case.objects.filter(pk=case.pk).update(lead=None)
    case.refresh_from_db()
    case_services.case_update(case=case, by=head, expected_version=case.version, lead=lead,
                              incident_date=datetime.date(2026, 12, 4), clauses=[clause])
    case.refresh_from_db()
    for to in (Case.Status.INVESTIGATING,):
        case_services.case_transition(case=case, to=to, by=lead)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DECIDED)
    case.refresh_from_db()
    case.status = Case.Status.SANCTION_IN_FORCE
    case.save()

    page = client_for(head).get(f"/cases/{case.reference}/history/").content.decode()
    history = page[page.index('data-testid="field-history"'):]
    assert "Sanction in force" in history and "<strong>Status</strong>" in history
    assert f"<strong>Investigating lead</strong>: — → {lead.display_name}" in history
    assert "4 Dec 2026" in history and "<strong>Incident date</strong>" in history
    assert f"<strong>Clauses allegedly breached</strong>: — → {clause.number}. " in history
    for raw in ("sanction_in_force", "{'case'", "{&#x27;case&#x27;", f"→ {lead.pk}<", "2026-12-04"):
        assert raw not in history, raw


def test_field_history_names_a_person_no_longer_on_record_plainly(case, head, lead, client_for):
    # A lead whose account is gone (history keeps the id): said so, not shown as a bare number.
    case_services.case_update(case=case, by=head, expected_version=case.version, severity="high")
    historical = case.history.order_by("-history_date").first()
    type(historical).objects.filter(pk=historical.pk).update(lead_id=999_999)
    page = client_for(head).get(f"/cases/{case.reference}/history/").content.decode()
    assert "(no longer on record: 999999)" in page


def test_field_history_queries_do_not_grow_with_the_changes(case, head, client_for, django_assert_max_num_queries):
    client = client_for(head)
    client.get(f"/cases/{case.reference}/history/")
    for severity in ("high", "low", "medium", "high", "low"):
        case.refresh_from_db()
        case_services.case_update(case=case, by=head, expected_version=case.version, severity=severity)
    with django_assert_max_num_queries(20):
        assert client.get(f"/cases/{case.reference}/history/").status_code == 200
