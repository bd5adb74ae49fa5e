"""Governors in the browser: the chair records taking part in a ban's review; the panel's two members
record and confirm their outcome; "Start investigating" asks who leads. Every page checked with axe."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.cases import services as case_services
from incidents.decisions import ban as ban_process
from incidents.decisions import complaints, sanctions
from incidents.decisions import services as decision_services
from incidents.models import Complaint
from policies.models import ResponseType
from tests.browser.axe import AxeAudit

pytestmark = pytest.mark.browser
TODAY = timezone.localdate()


def _decided(case, lead, head, code):
    case_services.case_transition(case=case, to="investigating", by=lead)
    response = ResponseType.objects.get(school=case.school, code=code)
    decision_services.recommendation_submit(case=case, by=lead, responses=[response], clauses=[],
                                            facts_found="Shouted at staff.", reasons="Staff felt unsafe.")
    decision_services.decision_record(case=case, by=head, responses=[response], reasons="Staff must be safe.",
                                      justification="A lesser response would not protect staff.")
    return case.sanctions.get()


def test_the_chair_records_taking_part_in_the_review(page_as, opened_case, lead, head, chair):
    case = opened_case()
    ban = _decided(case, lead, head, ResponseType.Code.PROVISIONAL_BAN)
    sanctions.sanction_transition(sanction=ban, to="provisional", by=lead, details={
        "reasons": "Aggressive at the gate.", "conditions": "Side gate.", "starts_on": TODAY})
    ban_process.representation_record(sanction=ban, by=lead, received_on=TODAY, text="I am sorry.")
    sanctions.sanction_transition(sanction=ban, to="confirmed", by=head, details={
        "ends_on": TODAY + datetime.timedelta(days=90), "review_on": TODAY + datetime.timedelta(days=30),
        "with_chair": True})
    audit = AxeAudit()
    page = page_as("chair")
    expect(page.get_by_role("main")).to_contain_text("Bans you review with the Head Teacher")
    audit.check(page)
    page.get_by_role("main").get_by_role("link", name=case.reference).first.click()
    audit.check(page)
    page.get_by_label("Note (optional)").fill("We read the representations together.")
    page.get_by_role("button", name="I took part in this review").click()
    expect(page.get_by_test_id("review-participation")).to_contain_text("Charles Chambers")
    expect(page.get_by_role("button", name="I took part in this review")).to_have_count(0)
    audit.check(page)
    audit.assert_clean()


def test_the_panel_records_then_confirms_its_outcome(page_as, opened_case, lead, head, governor, panel_member):
    case = opened_case()
    _decided(case, lead, head, ResponseType.Code.WARNING)
    complaint = complaints.complaint_record(case=case, by=lead, received_on=TODAY, summary="The warning is unfair.")
    complaints.complaint_refer(complaint=complaint, by=head, governors=[governor, panel_member], on=TODAY)
    audit = AxeAudit()
    for username in ("governor", "panel"):
        page = page_as(username)
        page.goto(page.url.rstrip("/") + case.get_absolute_url())
        page.get_by_role("link", name="Record or confirm the panel's outcome").click()
        audit.check(page)
        if username == "governor":
            page.get_by_label("Panel's outcome").select_option("not_upheld")
            page.get_by_label("Panel's reasons").fill("The warning was proportionate to the posts.")
        else:  # what Grace recorded is already in the form: saving it as it stands confirms it
            expect(page.get_by_label("Panel's reasons")).to_have_value("The warning was proportionate to the posts.")
        page.get_by_role("button", name="Record this outcome").click()
        expect(page.get_by_test_id("panel")).to_contain_text("Complaint not upheld")
        audit.check(page)
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.DECIDED
    audit.assert_clean()


def test_start_investigating_asks_who_leads(page_as, opened_case, head, lead):
    case = opened_case()
    case.lead = None
    case.save()
    audit = AxeAudit()
    page = page_as("head")
    page.goto(page.url.rstrip("/") + case.get_absolute_url())
    audit.check(page)
    page.get_by_label("Who leads the investigation").select_option(label="Liam Lewis (Investigating lead)")
    page.get_by_role("button", name="Start investigating").first.click()
    expect(page.get_by_role("main")).to_contain_text("Led by Liam Lewis")
    case.refresh_from_db()
    assert case.lead == lead and case.status == "investigating"
    audit.assert_clean()
