"""What people type is shown as text, never run: a script-and-image payload goes into every free-text
field of the main forms through the real pages, then the pages that show it are read in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import confirm_if_asked, open_section

pytestmark = pytest.mark.browser

SCRIPT = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


def payload(field: str) -> str:
    """The payload, tagged with the field it was typed into, so a failure names the field."""
    return f"[{field}] {SCRIPT}"


def assert_shown_as_text(page, fields: list[str], within: str = "main", sections: tuple[str, ...] = ()) -> None:
    """Each field's payload reads as typed on the page (on the case page: in one of its `sections`,
    each opened by its link), no <img> from it exists and no script ran."""
    page.wait_for_load_state("load")
    shown = page.locator(within).inner_text()
    for section in sections:
        open_section(page, section)
        shown += page.locator(within).inner_text()
    missing = [field for field in fields if payload(field) not in shown]
    assert not missing, f"not shown as text on {page.url}: {missing}"
    assert page.locator("img[src='x']").count() == 0, f"the payload became an <img> on {page.url}"
    assert page.evaluate("window.__xss") is None, f"the payload ran on {page.url}"


def test_typed_markup_is_shown_as_text_on_the_case_and_letter_pages(page_as, world):
    karl = world["karl"]

    # A lead logs the concern, edits the case, records a statement and a contact, and recommends.
    lead = page_as("lead")
    lead.get_by_role("link", name="Log a concern").first.click()
    lead.get_by_label("Who raised it").fill(payload("raised by"))
    lead.get_by_label("How it arrived").select_option(value="whatsapp")
    lead.locator(f'input[name="parents"][value="{karl.pk}"]').check()
    lead.get_by_label("What happened").fill(payload("what happened"))
    lead.get_by_role("button", name="Log concern").click()
    expect(lead.get_by_role("alert")).to_contain_text("Concern logged on")
    case_url = re.search(r"^.*/cases/[^/]+/", lead.url).group(0)

    lead.get_by_role("link", name="Edit case").click()
    lead.get_by_label("Title").fill(payload("case title"))
    lead.get_by_label("Summary").fill(payload("case summary"))
    lead.get_by_role("button", name="Save case").click()
    lead.get_by_role("button", name="Start investigating").first.click()
    expect(lead.get_by_test_id("case-status")).to_have_text("Investigating")

    open_section(lead, "Evidence")
    lead.get_by_role("link", name="Record a statement").click()
    lead.get_by_label("Statement by").fill("Ruth Adeyemi")
    lead.get_by_label("Statement, in their words").fill(payload("statement"))
    lead.get_by_role("button", name="Save statement").click()

    open_section(lead, "Evidence")
    lead.get_by_role("link", name="Record a contact").click()
    lead.get_by_label("With whom").fill("Karl Dunn")
    lead.locator("#id_method").select_option(label="Phone call")
    lead.get_by_label("Factual summary").fill(payload("contact summary"))
    lead.get_by_label("Agreed actions").fill(payload("agreed actions"))
    lead.get_by_role("button", name="Save contact").click()

    open_section(lead, "Decisions")
    lead.get_by_test_id("tab-decisions").get_by_role("link", name="Recommend a response").click()
    lead.get_by_label("Cautionary notice").check()
    lead.get_by_label("Facts found").fill(payload("facts found"))
    lead.get_by_label("Reasons for this recommendation").fill(payload("recommendation reasons"))
    lead.get_by_role("button", name="Submit to the Head Teacher").click()
    expect(lead.get_by_test_id("case-status")).to_have_text("Awaiting decision")

    # The Head Teacher decides, with the payload as her reasons, and reads the case page.
    head = page_as("head")
    head.goto(case_url)
    open_section(head, "Decisions")
    head.get_by_test_id("tab-decisions").get_by_role("link", name="Record the decision").click()
    head.get_by_label("Cautionary notice").check()
    head.get_by_label("Reasons, in your own words").fill(payload("decision reasons"))
    head.get_by_role("button", name="Record decision").click()
    confirm_if_asked(head)
    expect(head.get_by_test_id("decision")).to_contain_text("Cautionary notice")
    head.goto(case_url)
    expect(head.get_by_role("heading", level=1)).to_contain_text(payload("case title"))
    assert_shown_as_text(head, ["raised by", "what happened", "case title", "case summary", "statement",
                                "contact summary", "agreed actions", "facts found", "recommendation reasons",
                                "decision reasons"], sections=("Overview", "Evidence", "Decisions"))

    # The lead drafts a letter with a summary of the conduct and an additional paragraph; its preview
    # (the one page that renders typed text as HTML) and the parts listed beside it show both as text.
    lead.goto(case_url)
    open_section(lead, "Letters")
    lead.get_by_test_id("tab-letters").get_by_role("link", name="Prepare a letter").click()
    lead.locator("#purpose-choice").select_option(value="warning")
    lead.get_by_role("button", name="Use this letter").click()
    lead.get_by_label("Summary of the conduct").fill(payload("conduct summary"))
    lead.get_by_label("Additional paragraph").fill(payload("additional paragraph"))
    lead.get_by_role("button", name="Draft the letter").click()
    expect(lead.get_by_test_id("letter-preview")).to_contain_text("Dear Mr Dunn")
    assert_shown_as_text(lead, ["conduct summary", "additional paragraph"], within="[data-testid=letter-preview]")
    assert_shown_as_text(lead, ["conduct summary", "additional paragraph"])
