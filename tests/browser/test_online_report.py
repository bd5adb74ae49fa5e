"""A parent reports a problem from a 390-pixel phone, with a screenshot and no sign-in; the office
finds it in its "Reported online" queue. Both pages pass axe with nothing serious."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Case, Concern
from tests.browser.axe import AxeAudit
from tests.browser.conftest import PHONE
from tests.browser.screens import save_screenshot
from tests.factories import PNG

pytestmark = pytest.mark.browser


def test_a_parent_reports_from_a_phone_and_the_office_sees_it_in_the_queue(
        browser, page_as, school, office, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    cache.clear()
    audit = AxeAudit()
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London",
                                  java_script_enabled=False)  # the form needs no JavaScript
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/report/")
    expect(page.get_by_role("heading", name="Tell the school about a problem")).to_be_visible()
    page.get_by_label("A group moderator").check()
    page.get_by_label("What happened?").fill("A parent posted that the Year 3 teacher should be sacked.")
    page.get_by_label("In a WhatsApp group or another parents' group chat").check()
    page.get_by_label("Which group, or where? (optional)").fill("Year 3 parents")
    page.get_by_label("When did it happen?").fill((timezone.localdate() - datetime.timedelta(days=1)).isoformat())
    page.get_by_label("Screenshots or a chat export (optional)").set_input_files(
        files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_label("Your name (optional)").fill("Sam Moderator")
    page.get_by_label("I want to stay anonymous to the parent concerned").check()
    page.get_by_role("button", name="Send to the school").click()
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_be_visible()
    concern = Concern.objects.get()
    expect(receipt).to_have_text(concern.receipt)
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    save_screenshot(page, "20-report-receipt-phone")
    assert concern.reported_files.get().original_name == "screenshot.png"
    assert not Case.objects.exists()
    context.close()

    # The same pages with scripts on (axe runs as a script), on a phone: nothing serious, nothing wider.
    checker = browser.new_context(viewport=PHONE, locale="en-GB")
    check_page = checker.new_page()
    check_page.goto(f"{live_server.url}/report/")
    assert check_page.evaluate("document.documentElement.scrollWidth") <= 390
    audit.check(check_page)
    save_screenshot(check_page, "19-report-form-phone")
    check_page.get_by_role("button", name="Send to the school").click()  # empty: the errors, linked to their boxes
    expect(check_page.get_by_test_id("error-summary")).to_contain_text("What happened?: This field is required")
    assert check_page.evaluate("document.documentElement.scrollWidth") <= 390
    audit.check(check_page)
    checker.close()

    office_page = page_as("office", PHONE)
    expect(office_page.get_by_role("main")).to_contain_text(concern.receipt)  # the home page's panel
    office_page.goto(f"{live_server.url}/reported/")
    office_page.get_by_role("link", name=concern.receipt).click()
    expect(office_page.get_by_test_id("reported-description")).to_contain_text("should be sacked")
    assert office_page.evaluate("document.documentElement.scrollWidth") <= 390
    audit.check(office_page)
    audit.assert_clean()
