""""Start investigating" asks who leads, offering only investigating leads, named with their roles;
every picker of people shows names and roles, never usernames."""

import re

import pytest
from django.core.exceptions import ValidationError

from incidents.cases import services as case_services
from incidents.models import Case
from incidents.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_lead(db):
    return factories.UserFactory(username="slead", role=Role.LEAD, first_name="Sara", last_name="Singh")


def _picker(page: str) -> str:
    return re.search(r'<select[^>]*data-testid="lead-picker".*?</select>', page, re.S).group(0)


def test_start_investigating_offers_the_leads_by_name_and_role_defaulting_to_the_lead_pressing_it(
        log_concern, lead, second_lead, head, office, client_for):
    case = log_concern().case
    picker = _picker(client_for(second_lead).get(case.get_absolute_url()).content.decode())
    assert "Liam Lewis (Investigating lead)" in picker and "Sara Singh (Investigating lead)" in picker
    assert re.search(rf'<option value="{second_lead.pk}" selected>', picker)
    assert ">slead<" not in picker and ">lead<" not in picker  # never a bare username
    assert "Olivia Okafor" not in picker and "Helen Hart" not in picker  # office staff and the Head do not lead


def test_start_investigating_records_the_chosen_lead(log_concern, lead, second_lead, head, client_for):
    case = log_concern().case
    response = client_for(head).post(f"/cases/{case.reference}/status/",
                                     {"to": "investigating", "lead": second_lead.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.lead) == (Case.Status.INVESTIGATING, second_lead)
    assert case.events.filter(summary__contains="Led by Sara Singh").exists()


def test_the_head_pressing_it_must_choose_a_lead(log_concern, head, client_for):
    case = log_concern().case
    response = client_for(head).post(f"/cases/{case.reference}/status/", {"to": "investigating"}, follow=True)
    assert "Choose who leads the investigation" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.NEW and case.lead is None


@pytest.mark.parametrize("who", ["office", "head", "governor"])
def test_the_lead_picker_refuses_someone_who_may_not_lead(who, log_concern, lead, cast, client_for):
    case = log_concern().case
    response = client_for(lead).post(f"/cases/{case.reference}/status/",
                                     {"to": "investigating", "lead": cast[who].pk}, follow=True)
    assert "Choose an investigating lead from the list" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.NEW and case.lead is None
    with pytest.raises(ValidationError, match="cannot lead an investigation"):
        case_services.case_transition(case=case, to="investigating", by=lead, lead=cast[who])


def test_an_inactive_lead_is_neither_offered_nor_accepted(log_concern, lead, second_lead, client_for):
    second_lead.is_active = False
    second_lead.save()
    case = log_concern().case
    client = client_for(lead)
    assert "Sara Singh" not in _picker(client.get(case.get_absolute_url()).content.decode())
    client.post(f"/cases/{case.reference}/status/", {"to": "investigating", "lead": second_lead.pk})
    case.refresh_from_db()
    assert case.lead is None


def test_the_case_form_names_people_with_their_roles(log_concern, lead, office, dsl, client_for):
    case = log_concern().case
    page = client_for(lead).get(f"/cases/{case.reference}/edit/").content.decode()
    assert "Liam Lewis (Investigating lead)" in page  # the lead picker
    assert "Olivia Okafor (Office staff)" in page and "Daniel Shah (Safeguarding lead)" in page  # assignees
    assert not re.search(r"<option[^>]*>\s*(lead|office|dsl)\s*</option>", page)


def test_a_chair_of_governors_is_named_as_such_in_a_picker(chair, panel_member):
    assert chair.name_and_roles == "Charles Chambers (Chair of governors)"
    assert panel_member.name_and_roles == "Priya Patel (Governor)"


def test_the_case_lists_lead_filter_names_people_with_their_roles(lead, second_lead, office, client_for):
    page = client_for(office).get("/cases/").content.decode()
    assert "Liam Lewis (Investigating lead)" in page and "Sara Singh (Investigating lead)" in page
    assert not re.search(r"<option[^>]*>\s*(lead|slead)\s*</option>", page)
