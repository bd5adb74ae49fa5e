"""On a 390-pixel phone every list is a stack of cards: each field of each row on screen and readable,
nothing cut off at the right and nothing scrolled sideways."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.cases import services as case_services
from incidents.decisions import sanctions
from incidents.decisions import services as decision_services
from incidents.evidence import services as evidence_services
from incidents.models import Sanction
from policies.models import ResponseType
from tests import factories
from tests.browser.axe import AxeAudit
from tests.browser.conftest import PHONE
from tests.browser.screens import save_screenshot

pytestmark = pytest.mark.browser

# Every cell, and every badge and link in it: where it is, and whether its text fits inside it.
CUT_OFF = """(selector) => [...document.querySelectorAll(selector)].flatMap(cell => [cell,
  ...cell.querySelectorAll('.badge, a, code, span')]).map(el => {
    const box = el.getBoundingClientRect();
    return {text: el.innerText.trim().slice(0, 60), left: box.left, right: box.right, width: box.width,
            height: box.height, cut: el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible',
            visible: getComputedStyle(el).display !== 'none' && getComputedStyle(el).visibility !== 'hidden'};
  })"""


def assert_nothing_cut(page, selector: str, expected_cells: int) -> None:
    boxes = page.evaluate(CUT_OFF, selector)
    width = page.viewport_size["width"]
    cells = page.locator(selector)
    assert cells.count() >= expected_cells
    for box in boxes:
        assert box["visible"] and box["width"] > 0 and box["height"] > 0, box
        assert box["left"] >= 0 and box["right"] <= width, f"past the screen's edge: {box}"
        assert not box["cut"], f"text cut: {box}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def banned_case(world, opened_case, lead, head, office):
    """A case with a long title, a provisional ban awaiting representations, and a screenshot."""
    case = opened_case(description="Threatened the deputy head at the gate, in front of other parents.")
    case.title = "Threats at the school gate towards the deputy head, repeated in the Year 4 WhatsApp group"
    case.save()
    ladder = {r.code: r for r in ResponseType.objects.filter(school=world["school"])}
    case_services.case_transition(case=case, to="investigating", by=lead)
    decision_services.recommendation_submit(
        case=case, by=lead, responses=[ladder[ResponseType.Code.PROVISIONAL_BAN]], clauses=[],
        facts_found="Shouted threats at the deputy head.", reasons="Threats to a member of staff.")
    decision_services.decision_record(
        case=case, by=head, responses=[ladder[ResponseType.Code.PROVISIONAL_BAN]],
        reasons="Threats to staff.", justification="Threats of violence to a member of staff.")
    ban = case.sanctions.get()
    sanctions.sanction_transition(sanction=ban, to=Sanction.State.PROVISIONAL, by=head, details={
        "reasons": "Threats at the gate.", "conditions": "Maya is collected by her grandmother.",
        "starts_on": timezone.localdate()})
    evidence_services.evidence_add(
        case=case, by=office, data=factories.PNG, file_name="screenshot-of-the-year-4-group-messages-in-full.png",
        provided_by="Ruth Adeyemi, parent of a child in Year 4",
        provided_at=timezone.now() - datetime.timedelta(hours=1),
        description="The messages as the raiser saw them.")
    return case, Sanction.objects.get(pk=ban.pk)


def test_the_case_list_on_a_phone_shows_every_field_of_every_case(page_as, banned_case, live_server):
    case, ban = banned_case
    audit = AxeAudit()
    page = page_as("head", PHONE)
    page.goto(f"{live_server.url}/cases/")
    row = page.get_by_test_id("case-row").filter(has_text=case.reference)
    due = ban.representations_due
    for text in (case.reference, "Threats at the school gate", "Sanction in force",
                 f"Site ban: awaiting representations until {due.day} {due:%b}", case.get_severity_display(),
                 case.lead.display_name,
                 f"{timezone.localtime(case.opened_at):%-d %b %Y}"):
        expect(row).to_contain_text(text)
    assert_nothing_cut(page, "[data-testid=case-table] td", 7)
    # The status badge reads in full (it was clipped to "Sanction in forc").
    badge = row.locator(".badge", has_text="Sanction in force")
    expect(badge).to_be_in_viewport(ratio=1)
    save_screenshot(page, "03-cases-phone")
    audit.check(page)

    page.goto(f"{live_server.url}{case.get_absolute_url()}#evidence")  # the case page's Evidence tab
    expect(page.get_by_test_id("evidence-table")).to_be_visible()
    # File, provider, received; the SHA-256 is no column of its own but folded into the File cell.
    assert_nothing_cut(page, "[data-testid=evidence-table] td", 3)
    expect(page.get_by_test_id("evidence-table").locator("td[data-label=File]").get_by_test_id("fingerprint")
           ).to_contain_text("SHA-256")
    audit.check(page)

    page.goto(f"{live_server.url}/letters/")
    audit.check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    audit.assert_clean()


def test_the_case_list_on_a_desktop_is_still_a_table(page_as, banned_case, live_server):
    case, _ = banned_case
    page = page_as("head")
    page.goto(f"{live_server.url}/cases/")
    expect(page.get_by_role("columnheader", name="Response")).to_be_visible()
    cells = page.get_by_test_id("case-row").filter(has_text=case.reference).locator("td")
    tops = {round(cells.nth(i).bounding_box()["y"]) for i in range(cells.count())}
    assert len(tops) == 1, "on a wide screen the row's cells sit side by side"
