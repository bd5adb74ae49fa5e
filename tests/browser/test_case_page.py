"""The case page as a school works from it, on a desktop and on a phone: it opens on where the case
stands and the next thing to do; each section is one click away and keeps its place in the address;
the field history reads in words; fingerprints are folded away; the tab names the page; the favicon
is there; report labels are whole. axe finds nothing serious on any of it."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.cases import services as case_services
from incidents.decisions import sanctions
from incidents.decisions import services as decision_services
from incidents.evidence import services as evidence_services
from incidents.models import Sanction, SanctionStep
from policies.models import ResponseType
from tests import factories
from tests.browser.axe import AxeAudit
from tests.browser.conftest import DESKTOP, PHONE, open_section, sign_in
from tests.browser.screens import save_screenshot

pytestmark = pytest.mark.browser
SECTIONS = ["Overview", "Chronology", "Evidence", "Chats", "Decisions", "Letters"]


def _ban_awaiting_representations(opened_case, lead, head):
    """A provisional ban whose letter has gone out: the parent's representations are awaited."""
    case = opened_case()
    case_services.case_update(case=case, by=head, expected_version=case.version,
                              incident_date=datetime.date(2026, 12, 4))
    case.refresh_from_db()
    case_services.case_transition(case=case, to="investigating", by=lead)
    evidence_services.evidence_add(case=case, by=lead, data=factories.PNG, file_name="screenshot.png",
                                   provided_by="Ruth Adeyemi", provided_at=timezone.now())
    ban = ResponseType.objects.get(school=case.school, code=ResponseType.Code.PROVISIONAL_BAN)
    decision_services.recommendation_submit(case=case, by=lead, responses=[ban], clauses=[],
                                            facts_found="Shouted at staff at the gate.", reasons="Staff felt unsafe.")
    decision_services.decision_record(case=case, by=head, responses=[ban], reasons="Staff must be safe.",
                                      justification="A lesser response would not protect them.")
    sanction = case.sanctions.get()
    sanctions.sanction_transition(sanction=sanction, to=Sanction.State.PROVISIONAL, by=lead, details={
        "reasons": "Aggressive behaviour at the gate.", "conditions": "A grandparent brings Maya to the side gate.",
        "starts_on": timezone.localdate()})
    SanctionStep.objects.filter(sanction=sanction).update(letter_sent_on=timezone.localdate())
    case.refresh_from_db()
    return case, sanction


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_case_page_opens_on_the_summary_and_next_action(viewport, page_as, opened_case, lead, head, live_server):
    case, sanction = _ban_awaiting_representations(opened_case, lead, head)
    audit = AxeAudit()
    page = page_as("head", viewport)
    page.goto(live_server.url + case.get_absolute_url())
    expect(page).to_have_title(f"{case.reference} — Casebook")
    summary = page.get_by_test_id("case-summary")
    expect(summary).to_contain_text("Sanction in force")
    expect(summary).to_contain_text(lead.display_name)
    due = sanction.representations_due
    expect(summary).to_contain_text(f"Representations due {due.day} {due:%b %Y}")
    button = page.get_by_test_id("next-action")
    expect(button).to_have_text("Record representations")
    # Seen without scrolling, on a phone too.
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= viewport["height"], box
    audit.check(page)
    save_screenshot(page, f"10-case-summary-{'phone' if viewport is PHONE else 'desktop'}")

    # Each section one click away, alone on the page, its place kept in the address.
    for name in SECTIONS:
        open_section(page, name)
        section = page.locator(f"#{name.lower()}")
        expect(section).to_be_visible()
        assert page.url.endswith(f"#{name.lower()}")
        for other in SECTIONS:
            if other != name:
                expect(page.locator(f"#{other.lower()}")).to_be_hidden()
        expect(page.get_by_role("navigation", name="Case sections").get_by_role("link", name=name, exact=True)
               ).to_have_attribute("aria-current", "page")
        audit.check(page)
    # A section's address opens it directly (a bookmark, a link from an e-mail).
    page.goto(live_server.url + case.get_absolute_url() + "#evidence")
    expect(page.locator("#evidence")).to_be_visible()
    expect(page.locator("#overview")).to_be_hidden()

    # The fingerprint is folded away until asked for.
    fingerprint = page.locator("#evidence").get_by_test_id("fingerprint").first
    expect(fingerprint.locator("code")).to_be_hidden()
    fingerprint.locator("summary").click()
    expect(fingerprint.locator("code")).to_be_visible()
    audit.check(page)

    button = page.get_by_test_id("next-action")
    button.click()
    expect(page.get_by_label("What the parent wrote or said")).to_be_visible()
    audit.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_case_sections_work_without_javascript(viewport, browser, opened_case, lead, head, live_server):
    case, _ = _ban_awaiting_representations(opened_case, lead, head)
    context = browser.new_context(viewport=viewport, java_script_enabled=False, locale="en-GB")
    page = sign_in(context.new_page(), live_server.url, "lead")
    page.goto(live_server.url + case.get_absolute_url())
    expect(page.get_by_test_id("case-summary")).to_be_visible()
    open_section(page, "Evidence")
    assert page.url.endswith("#evidence")
    expect(page.locator("#evidence")).to_be_visible()
    expect(page.locator("#overview")).to_be_hidden()
    open_section(page, "Letters")
    expect(page.locator("#letters")).to_be_visible()
    expect(page.locator("#evidence")).to_be_hidden()
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_field_history_reads_in_words(viewport, page_as, opened_case, lead, head, live_server):
    case, _ = _ban_awaiting_representations(opened_case, lead, head)
    audit = AxeAudit()
    page = page_as("head", viewport)
    page.goto(live_server.url + case.get_absolute_url())
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name="History").click()
    expect(page).to_have_title(f"History of {case.reference} — Casebook")
    history = page.get_by_test_id("field-history")
    expect(history).to_contain_text("Sanction in force")
    expect(history).to_contain_text("4 Dec 2026")
    text = history.inner_text()
    assert "sanction_in_force" not in text and "{'case'" not in text
    assert not re.search(r"Investigating lead: [^\n]*→ \d+\b", text)
    audit.check(page)
    audit.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_favicon_is_served_and_linked_and_the_tab_names_the_page(viewport, page_as, world, live_server):
    audit = AxeAudit()
    page = page_as("office", viewport)
    links = page.locator("link[rel=icon], link[rel=apple-touch-icon]").all()
    assert links
    for link in links:
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"].startswith("image/"), link
    assert page.request.get(live_server.url + "/favicon.ico").status == 200
    audit.check(page)
    page.goto(f"{live_server.url}/cases/")
    expect(page).to_have_title("Cases — Casebook")
    audit.check(page)
    audit.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_report_chart_labels_are_not_clipped(viewport, page_as, opened_case, lead, head, live_server):
    _ban_awaiting_representations(opened_case, lead, head)
    audit = AxeAudit()
    page = page_as("head", viewport)
    page.goto(live_server.url + "/reports/")
    charts = page.locator("svg.report-chart")
    expect(charts.first).to_be_visible()
    # Every label's box lies inside its chart's drawing area.
    outside = page.evaluate("""() => [...document.querySelectorAll('svg.report-chart')].flatMap(svg => {
        const view = svg.viewBox.baseVal;
        return [...svg.querySelectorAll('text')].map(t => t.getBBox()).filter(b =>
            b.x < view.x - 0.5 || b.y < view.y - 0.5 || b.x + b.width > view.x + view.width + 0.5
            || b.y + b.height > view.y + view.height + 0.5).map(b => [b.x, b.y, b.width, b.height]);
    })""")
    assert outside == []
    audit.check(page)
    audit.assert_clean()
