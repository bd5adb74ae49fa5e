"""A long form sent back with errors: the summary at its top takes the focus, and each of its links
moves the focus to the field it names — on a desktop and on a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import AxeAudit
from tests.browser.conftest import PHONE
from tests.browser.screens import save_screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_error_summary_takes_the_focus_and_its_links_reach_each_field(page_as, world, live_server, viewport):
    audit = AxeAudit()
    page = page_as("office", viewport) if viewport else page_as("office")
    page.goto(f"{live_server.url}/concerns/new/")
    page.get_by_label("Who raised it").fill("Ruth Adeyemi")
    page.get_by_role("button", name="Log concern").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_have_count(1)
    # Nothing typed is lost.
    expect(page.get_by_label("Who raised it")).to_have_value("Ruth Adeyemi")
    audit.check(page)
    if viewport:
        save_screenshot(page, "10-error-summary-phone")

    summary.get_by_role("link", name="What happened").click()
    expect(page.locator("#id_description")).to_be_focused()
    expect(page.locator("#id_description")).to_be_in_viewport()
    summary.get_by_role("link", name="Parent or parents concerned").click()
    expect(page.locator("#id_parents_0")).to_be_focused()
    # The error is at the field too.
    expect(page.locator("#id_description_error, #error_1_id_description").first).to_be_visible()
    audit.assert_clean()


def test_the_summary_shows_without_javascript(browser, live_server, world, office):
    from tests.browser.conftest import sign_in

    context = browser.new_context(java_script_enabled=False)
    page = sign_in(context.new_page(), live_server.url, "office")
    page.goto(f"{live_server.url}/concerns/new/")
    page.get_by_role("button", name="Log concern").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("There is a problem")
    expect(page.get_by_test_id("error-summary").get_by_role("link", name="What happened")).to_have_attribute(
        "href", "#id_description")
    context.close()
