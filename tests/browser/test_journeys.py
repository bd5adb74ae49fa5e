"""The main journeys, end to end in Chromium, as each role goes through them; axe-core checks every
page visited, and the main screens are saved as screenshots."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.axe import AxeAudit
from tests.browser.conftest import confirm_if_asked, open_section
from tests.browser.screens import save_screenshot

pytestmark = pytest.mark.browser


def screenshot_png() -> bytes:
    """A small real PNG, as a parent's phone screenshot would be."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 240), (236, 229, 221)).save(buffer, format="PNG")
    return buffer.getvalue()


def open_case(page, reference: str, audit: AxeAudit) -> None:
    page.goto(f"{page.url.split('/', 3)[0]}//{page.url.split('/', 3)[2]}/cases/")
    audit.check(page)
    page.get_by_role("link", name=reference).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    audit.check(page)


def test_cautionary_notice_from_concern_to_issued_letter(page_as, world, live_server):
    audit = AxeAudit()
    karl = world["karl"]

    # Office staff log the concern a parent phoned in, and attach the screenshot she sent.
    office = page_as("office")
    office.get_by_role("link", name="Log a concern").first.click()
    audit.check(office)
    office.get_by_label("Who raised it").fill("Ruth Adeyemi")
    office.get_by_label("How it arrived").select_option(value="whatsapp")
    office.locator(f'input[name="parents"][value="{karl.pk}"]').check()
    office.get_by_label("What happened").fill("Called the deputy head useless in the Year 4 group.")
    save_screenshot(office, "01-log-a-concern")
    office.get_by_role("button", name="Log concern").click()
    expect(office.get_by_role("alert")).to_contain_text("Concern logged on")
    reference = re.search(r"/cases/([^/]+)/", office.url).group(1)
    audit.check(office)
    office.get_by_role("link", name="Add evidence").click()
    audit.check(office)
    office.get_by_label("File").set_input_files(
        {"name": "screenshot.png", "mimeType": "image/png", "buffer": screenshot_png()})
    office.get_by_label("Who provided it").fill("Ruth Adeyemi")
    office.get_by_label("How it was obtained").select_option(label="Screenshot sent to the school")
    office.get_by_role("button", name="Add evidence").click()
    expect(office.get_by_role("alert")).to_contain_text("Evidence added: screenshot.png")
    expect(office.locator("#evidence")).to_contain_text("screenshot.png")

    # The lead opens the case, starts investigating, speaks to Karl and recommends a cautionary notice.
    lead = page_as("lead")
    open_case(lead, reference, audit)
    lead.get_by_role("button", name="Start investigating").first.click()
    expect(lead.get_by_test_id("case-status")).to_have_text("Investigating")
    open_section(lead, "Evidence")
    lead.get_by_role("link", name="Record a contact").click()
    audit.check(lead)
    lead.get_by_label("With whom").fill("Karl Dunn")
    lead.get_by_label("If with a parent concerned, which").select_option(value=str(karl.pk))
    lead.locator("#id_method").select_option(label="Phone call")
    lead.get_by_label("Factual summary").fill("Mr Dunn accepted he wrote the message and was frustrated.")
    lead.get_by_role("button", name="Save contact").click()
    expect(lead.locator("#contacts")).to_contain_text("Mr Dunn accepted he wrote the message")
    lead.get_by_role("link", name="Recommend a response").click()
    audit.check(lead)
    lead.get_by_label("Cautionary notice").check()
    lead.locator("input[name=clauses]").first.check()  # the letter quotes the clauses breached
    lead.get_by_label("Facts found").fill("The message was posted on the Year 4 group; Mr Dunn accepts it.")
    lead.get_by_label("Reasons for this recommendation").fill("A first case; he accepted it at once.")
    lead.get_by_role("button", name="Submit to the Head Teacher").click()
    expect(lead.get_by_test_id("case-status")).to_have_text("Awaiting decision")
    expect(lead.get_by_test_id("recommendation")).to_contain_text("Cautionary notice")

    # The Head Teacher decides.
    head = page_as("head")
    open_case(head, reference, audit)
    head.get_by_role("link", name="Record the decision").click()
    audit.check(head)
    save_screenshot(head, "04-decision")
    head.get_by_label("Cautionary notice").check()
    head.get_by_label("Reasons, in your own words").fill("A cautionary notice is proportionate for a first case.")
    head.get_by_role("button", name="Record decision").click()
    confirm_if_asked(head)
    expect(head.get_by_test_id("decision")).to_contain_text("Cautionary notice")

    # Next to the decision, the next thing to do: the lead prepares the cautionary notice, which
    # gives the warning once it goes out; the PDF is prepared at once.
    lead.reload()
    lead.get_by_test_id("next-step").get_by_role("link", name="Prepare the cautionary notice").click()
    audit.check(lead)
    lead.get_by_label("Summary of the conduct").fill("You called the deputy head useless in the group.")
    lead.get_by_role("button", name="Draft the letter").click()
    expect(lead.get_by_test_id("letter-preview")).to_contain_text("Dear Mr Dunn")
    lead.get_by_role("button", name="Prepare the PDF").click()
    expect(lead.get_by_test_id("render-status")).to_contain_text("PDF ready")
    audit.check(lead)
    letter_url = lead.url
    save_screenshot(lead, "05-letter")

    # The Head Teacher approves it.
    head.goto(letter_url)
    head.get_by_role("button", name="Approve this letter").click()
    confirm_if_asked(head)
    expect(head.get_by_test_id("letter-status")).to_have_text("Approved")
    audit.check(head)

    # Office staff issue it and download the PDF.
    office.goto(letter_url)
    audit.check(office)
    office.get_by_label("Printed and handed over").check()
    office.get_by_role("button", name="Record as issued").click()
    confirm_if_asked(office)
    expect(office.get_by_test_id("letter-status")).to_have_text("Issued")
    lead.goto(live_server.url + f"/cases/{reference}/")
    expect(lead.get_by_test_id("sanction")).to_contain_text("Warning issued")
    expect(lead.get_by_test_id("letter-needed")).to_have_count(0)
    # The PDF is served inline (Chromium shows it in its viewer rather than firing a download), so
    # fetch it with the signed-in browser context's cookies, as the viewer does.
    link = office.get_by_test_id("letter-pdf-link")
    pdf = office.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert link.inner_text().endswith(".pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Karl Dunn" in text or "Mr Dunn" in text
    assert reference in text
    assert "Cautionary notice" in text
    audit.assert_clean()
