"""The case list says which response is in force on each case, and can be filtered by it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.decisions import sanctions
from incidents.decisions import services as decision_services
from incidents.decisions.selectors import sanction_in_brief
from incidents.models import Sanction
from policies.models import ResponseType
from tests import factories

pytestmark = pytest.mark.django_db
State = Sanction.State


@pytest.fixture
def banned(school, lead, head):
    """A case whose provisional ban awaits the parent's representations."""
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.PROVISIONAL_BAN])
    ban = case.sanctions.get()
    sanctions.sanction_transition(sanction=ban, to=State.PROVISIONAL, by=lead, details={
        "reasons": "Threats at the gate.", "conditions": "Maya is collected by her grandmother.",
        "starts_on": timezone.localdate()})
    ban.refresh_from_db()
    return case, ban


@pytest.fixture
def warned(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.WARNING])
    return case


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-testid="case-row">(.*?)</tr>', html, flags=re.S)


def _row_of(html: str, reference: str) -> str:
    return next(row for row in _rows(html) if reference in row)


def test_case_list_row_names_the_response_in_force_and_its_deadline(client_for, head, banned, warned):
    case, ban = banned
    due = ban.representations_due
    assert due is not None
    html = client_for(head).get(reverse("incidents:case_list")).content.decode()
    row = _row_of(html, case.reference)
    assert f"Site ban: awaiting representations until {due.day} {due:%b}" in row
    assert "Warning: to do" in _row_of(html, warned.reference)
    assert "Site ban" not in _row_of(html, warned.reference)


def test_the_brief_wording_of_a_confirmed_ban_gives_its_end_and_review_with_the_year_when_not_this_year():
    ban = Sanction(kind=Sanction.Kind.BAN, state=State.CONFIRMED, ends_on=datetime.date(2027, 7, 20),
                   review_on=datetime.date(2026, 12, 1))
    assert sanction_in_brief(ban, today=datetime.date(2026, 11, 3)) == (
        "Site ban: confirmed until 20 Jul 2027, review 1 Dec")


def test_a_withdrawn_response_is_not_listed(client_for, head, warned):
    # The decision corrected to no further action: its warning, still to do, is withdrawn.
    decision_services.decision_record(case=warned, by=head, reasons="The posts were not the parent's.",
                                      no_further_action=True, supersedes=warned.decisions.get())
    html = client_for(head).get(reverse("incidents:case_list")).content.decode()
    assert "Warning" not in _row_of(html, warned.reference)
    assert "—" in _row_of(html, warned.reference)


def test_filtering_by_response_shows_only_cases_with_it(client_for, head, banned, warned, case):
    client = client_for(head)
    url = reverse("incidents:case_list")
    html = client.get(url, {"response": "ban"}).content.decode()
    listed = _rows(html)
    assert [banned[0].reference in row for row in listed] == [True]
    assert warned.reference not in html and case.reference not in html
    html = client.get(url, {"response": "warning"}).content.decode()
    assert warned.reference in html and banned[0].reference not in html and case.reference not in html


def test_filtering_by_ban_in_force_leaves_out_a_lifted_ban(client_for, head, banned):
    case, ban = banned
    url = reverse("incidents:case_list")
    assert case.reference in client_for(head).get(url, {"response": "ban_in_force"}).content.decode()
    sanctions.sanction_transition(sanction=ban, to=State.LIFTED, by=head, details={"reasons": "Apologised."})
    html = client_for(head).get(url, {"response": "ban_in_force"}).content.decode()
    assert case.reference not in html
    assert "No cases match." in html


def test_filtering_by_an_unknown_response_says_so(client_for, head, banned):
    html = client_for(head).get(reverse("incidents:case_list"), {"response": "flogging"}).content.decode()
    assert "Select a valid choice" in html


def test_filtering_by_response_never_shows_a_case_the_user_may_not_see(client_for, office, banned):
    case, _ = banned
    html = client_for(office).get(reverse("incidents:case_list"), {"response": "ban"}).content.decode()
    assert case.reference not in html
