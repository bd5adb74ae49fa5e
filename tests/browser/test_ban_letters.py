"""A ban's letters say what its steps recorded: provisional ban → its letter issued → representations
→ the ban varied → its letter issued, both PDFs read back."""

import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from incidents.cases import services as case_services
from incidents.decisions import services as decision_services
from policies.models import Clause, ResponseType
from tests.browser.axe import AxeAudit
from tests.browser.conftest import confirm_if_asked

pytestmark = pytest.mark.browser


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _letter_from_step(page, audit: AxeAudit, step_text: str, live_server_url: str) -> str:
    """Draft the step's letter, prepare its PDF, approve and issue it; return the PDF's text."""
    step = page.get_by_test_id("sanction").locator("li", has_text=step_text).last
    step.get_by_test_id("prepare-letter").click()
    expect(page.get_by_test_id("recorded-parts")).to_contain_text("change it on the step")
    audit.check(page)
    page.get_by_role("button", name="Draft the letter").click()
    expect(page.get_by_test_id("missing-parts")).to_have_count(0)
    page.get_by_role("button", name="Prepare the PDF").click()
    expect(page.get_by_test_id("render-status")).to_contain_text("PDF ready")
    page.reload()
    page.get_by_role("button", name="Approve this letter").click()
    confirm_if_asked(page)
    expect(page.get_by_test_id("letter-status")).to_have_text("Approved")
    page.get_by_label("Printed and handed over").check()
    page.get_by_role("button", name="Record as issued").click()
    confirm_if_asked(page)
    expect(page.get_by_test_id("letter-status")).to_have_text("Issued")
    audit.check(page)
    link = page.get_by_test_id("letter-pdf-link")
    pdf = page.request.get(live_server_url + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).split())
    return link.inner_text() + "\n" + text


def test_ban_letters_say_what_each_step_recorded(page_as, opened_case, lead, head, live_server):
    case = opened_case()
    case_services.case_transition(case=case, to="investigating", by=lead)
    ban = ResponseType.objects.get(school=case.school, code=ResponseType.Code.PROVISIONAL_BAN)
    clause = Clause.objects.filter(version=case.policy_version).order_by("position").first()
    decision_services.recommendation_submit(case=case, by=lead, responses=[ban], clauses=[clause],
                                            facts_found="Shouted at the deputy head at the gate.",
                                            reasons="Staff felt unsafe at the gate.")
    decision_services.decision_record(case=case, by=head, responses=[ban], reasons="Staff must be safe.",
                                      justification="Staff felt unsafe; a lesser response would not protect them.")
    audit = AxeAudit()
    page = page_as("head")
    today = timezone.localdate()
    due = today + datetime.timedelta(days=14)
    case_url = live_server.url + case.get_absolute_url()

    page.goto(case_url)
    page.get_by_test_id("next-step").get_by_role("link", name="Issue the provisional ban").click()
    page.get_by_label("Reasons").fill("Aggressive behaviour towards staff at the gate.")
    page.get_by_label("Conditions and arrangements for the child").fill("A grandparent brings Maya to the side gate.")
    page.get_by_label("Representations deadline").fill(f"{due:%Y-%m-%d}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("letter-needed")).to_have_count(1)
    first = _letter_from_step(page, audit, "Provisional", live_server.url)
    assert first.startswith(f"{case.reference}-provisional-ban-v1.pdf")
    assert f"from {_long(today)}" in first and _long(due) in first
    assert "Aggressive behaviour towards staff at the gate." in first and "side gate" in first
    assert f"clause {clause.number}" in first

    page.goto(case_url)
    expect(page.get_by_test_id("letter-needed")).to_have_count(0)
    expect(page.get_by_test_id("sanction").locator("li", has_text="Provisional")).to_contain_text("Issued")
    page.get_by_role("link", name="Record the parent's representations").click()
    page.get_by_label("What the parent wrote or said").fill("I did not mean to frighten anyone.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Review: vary the ban").click()
    ends, review = today + datetime.timedelta(days=90), today + datetime.timedelta(days=45)
    page.get_by_label("Conditions and arrangements for the child").fill("Maya's father may collect her from the "
                                                                       "office by appointment.")
    page.get_by_label("Ban ends on (its length)").fill(f"{ends:%Y-%m-%d}")
    page.get_by_label("Review date").fill(f"{review:%Y-%m-%d}")
    page.get_by_label("Reasons for the change").fill("He has apologised and kept to the arrangements.")
    page.get_by_role("button", name="Save").click()
    second = _letter_from_step(page, audit, "Ban varied", live_server.url)
    assert second.startswith(f"{case.reference}-ban-varied-v1.pdf")
    assert f"The ban now ends on {_long(ends)}" in second and f"runs until {_long(ends)}" in second
    assert _long(review) in second and "from the office by appointment" in second
    assert "He has apologised and kept to the arrangements." in second
    assert "runs ." not in second and "as follows: The ban now ends" in second
    page.goto(case_url)
    expect(page.get_by_test_id("letter-needed")).to_have_count(0)
    expect(page.get_by_test_id("case-letters").locator("li")).to_have_count(2)
    audit.assert_clean()
