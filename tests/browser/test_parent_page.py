"""The parent's side of a provisional ban, on a phone with JavaScript switched off: the link from the
e-mail, the letter, "I got this letter", a code from a second e-mail, representations with a photo;
then the Head Teacher sees them on the ban. Every page passes axe; wrong links get the plain page."""

import contextlib
import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from incidents.models import Letter, Representation, Sanction
from tests.browser.axe import AxeAudit
from tests.browser.conftest import PHONE
from tests.browser.screens import save_screenshot
from tests.incidents.parents.setup import emailed_ban_letter, page_path_in

pytestmark = pytest.mark.browser


def _no_capture(**_kwargs):
    # The live server's database commits at once: nothing to capture.
    return contextlib.nullcontext()


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_parent_reads_acknowledges_and_answers_a_provisional_ban_on_a_phone(
        browser, page_as, live_server, school, office, lead, head, tmp_path, mailoutbox):
    case, ban, letter = emailed_ban_letter(school=school, office=office, lead=lead, head=head, capture=_no_capture)
    [email] = [m for m in mail.outbox if m.to == ["karl.dunn@parents.example"]]
    url = live_server.url + page_path_in(email.body)
    photo = tmp_path / "at-the-gate.png"
    Image.new("RGB", (40, 30), (200, 40, 40)).save(photo)

    # The page's own scripts are off; Playwright's evaluate (axe, the width check) still runs.
    no_js = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB", accept_downloads=True)
    no_js.set_default_timeout(10_000)
    audit = AxeAudit()
    try:
        parent = no_js.new_page()

        def check_page() -> None:
            audit.check_without_scripts(parent, browser)
            assert _fits_the_phone(parent), parent.url

        parent.goto(url)
        expect(parent.get_by_role("heading", name="A letter for you")).to_be_visible()
        expect(parent.get_by_test_id("school-name")).to_have_text(school.name)
        expect(parent.get_by_test_id("parent-letter")).to_contain_text("Shouted at the deputy head at the gate.")
        expect(parent.get_by_test_id("deadline")).to_contain_text(f"{ban.representations_due:%B %Y}")
        assert "Ruth Adeyemi" not in parent.content()
        with parent.expect_download() as download:
            parent.get_by_test_id("parent-pdf-link").click()
        assert download.value.suggested_filename == letter.pdf_filename
        save_screenshot(parent, "parent-letter-phone")
        check_page()

        parent.get_by_role("button", name="I got this letter").click()
        expect(parent.get_by_test_id("acknowledged")).to_be_visible()
        letter.refresh_from_db()
        assert letter.status == Letter.Status.ACKNOWLEDGED

        parent.get_by_role("button", name="Send me a code").click()
        expect(parent.get_by_role("status")).to_contain_text("We have sent a code to k***@parents.example")
        check_page()
        code = re.search(r"Your code is (\d{6})", mail.outbox[-1].body).group(1)
        parent.get_by_label("Code").fill("000000" if code != "000000" else "111111")
        parent.get_by_role("button", name="Check the code").click()
        expect(parent.get_by_text("That code is not right")).to_be_visible()
        check_page()
        parent.get_by_label("Code").fill(code)
        parent.get_by_role("button", name="Check the code").click()

        parent.get_by_label("What you want to tell us").fill("I was collecting Amy and did not shout at anyone.")
        parent.get_by_label("Add photos or documents (optional)").set_input_files(str(photo))
        check_page()
        parent.get_by_role("button", name="Send my reply").click()
        expect(parent.get_by_test_id("own-submissions")).to_contain_text("I was collecting Amy")
        expect(parent.get_by_test_id("own-submissions")).to_contain_text("at-the-gate.png")
        check_page()

        parent.goto(url.replace("/letter/", "/letter/x"))
        expect(parent.get_by_test_id("plain-heading")).to_have_text("This link does not work")
        expect(parent.get_by_test_id("school-contact")).to_contain_text(school.phone)
        check_page()
    finally:
        no_js.close()

    ban.refresh_from_db()
    assert ban.state == Sanction.State.REPRESENTATIONS
    assert Representation.objects.get().files.get().content_type == "image/png"

    staff = page_as("head")
    staff.goto(live_server.url + case.get_absolute_url())
    sanction = staff.get_by_test_id("sanction")
    expect(sanction).to_contain_text("I was collecting Amy and did not shout at anyone.")
    expect(sanction.get_by_role("link", name="at-the-gate.png")).to_be_visible()
    audit.assert_clean()
