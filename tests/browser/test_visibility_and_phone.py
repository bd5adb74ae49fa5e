"""A restricted case stays out of sight; the main pages fit a 390-pixel phone screen."""

import pytest
from playwright.sync_api import expect

from incidents.cases import services as case_services
from tests.browser.axe import AxeAudit
from tests.browser.conftest import PHONE
from tests.browser.screens import save_screenshot

pytestmark = pytest.mark.browser


def test_a_restricted_case_is_in_no_list_search_or_url_for_a_lead_not_assigned(
        page_as, opened_case, head, live_server, django_user_model):
    case = opened_case(description="Posted a photo of a teacher's car.")
    case.lead = head
    case.save()
    case_services.case_set_restricted(case=case, by=head, restricted=True, reason="Involves a member of staff.")
    page = page_as("lead")
    page.goto(f"{live_server.url}/cases/")
    expect(page.get_by_role("main")).not_to_contain_text(case.reference)
    page.goto(f"{live_server.url}/cases/?q={case.reference}")
    expect(page.get_by_role("main")).not_to_contain_text(case.reference)
    page.goto(f"{live_server.url}/cases/?parent=Dunn")
    expect(page.get_by_role("main")).not_to_contain_text(case.reference)
    response = page.goto(f"{live_server.url}{case.get_absolute_url()}")
    assert response.status == 404
    assert page.goto(f"{live_server.url}{case.get_absolute_url()}history/").status == 404


def test_main_pages_fit_a_phone_screen(page_as, opened_case, live_server):
    case = opened_case()
    audit = AxeAudit()
    page = page_as("head", PHONE)
    for name, path in [("02-home-phone", "/"), ("03-cases-phone", "/cases/"),
                       ("08-case-phone", case.get_absolute_url()), ("09-concern-form-phone", "/concerns/new/"),
                       (None, "/letters/")]:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        audit.check(page)
        if name:
            save_screenshot(page, name)
    audit.assert_clean()
