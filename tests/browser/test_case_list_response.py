"""The case list names the response in force on each case and is filtered by it through its form, on a
1366-pixel screen and on a 390-pixel phone, with axe finding nothing serious."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.cases import services as case_services
from incidents.decisions import sanctions
from incidents.decisions import services as decision_services
from incidents.models import Sanction
from policies.models import ResponseType
from tests.browser.axe import AxeAudit
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _decided(opened_case, lead, head, code: str, title: str):
    case = opened_case()
    case.title = title
    case.save()
    response = ResponseType.objects.get(school=case.school, code=code)
    case_services.case_transition(case=case, to="investigating", by=lead)
    decision_services.recommendation_submit(case=case, by=lead, responses=[response], clauses=[],
                                            facts_found="Posted about a teacher.", reasons="Breached the code.")
    decision_services.decision_record(case=case, by=head, responses=[response], reasons="The code was breached.",
                                      justification="Threats to a member of staff.")
    return case


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_case_list_is_filtered_by_the_response_in_force(viewport, page_as, opened_case, lead, head, live_server):
    banned = _decided(opened_case, lead, head, ResponseType.Code.PROVISIONAL_BAN, "Threats at the gate")
    ban = banned.sanctions.get()
    sanctions.sanction_transition(sanction=ban, to=Sanction.State.PROVISIONAL, by=head, details={
        "reasons": "Threats at the gate.", "conditions": "Maya is collected by her grandmother.",
        "starts_on": timezone.localdate()})
    ban.refresh_from_db()
    warned = _decided(opened_case, lead, head, ResponseType.Code.WARNING, "Rude posts in the class group")
    audit = AxeAudit()
    page = page_as("head", viewport)
    page.goto(f"{live_server.url}/cases/")
    rows = page.get_by_test_id("case-row")
    due = ban.representations_due
    expect(rows.filter(has_text=banned.reference)).to_contain_text(
        f"Site ban: awaiting representations until {due.day} {due:%b}")
    expect(rows.filter(has_text=warned.reference)).to_contain_text("Warning: to do")
    audit.check(page)

    page.get_by_text("Filter and search").click()
    page.get_by_label("Response").select_option(label="Site ban in force (provisional, confirmed or varied)")
    page.get_by_role("button", name="Apply").click()
    assert "response=ban_in_force" in page.url
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(banned.reference)
    expect(page.get_by_test_id("case-count")).to_have_text("1")
    # The form keeps the choice, so the person sees what the list is filtered by.
    expect(page.get_by_label("Response")).to_have_value("ban_in_force")
    audit.check(page)

    page.get_by_label("Response").select_option(value="warning")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(warned.reference)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    audit.check(page)
    audit.assert_clean()
