"""Each person sees what their part needs: staff who work on a case see an anonymous raiser's name and
contact, marked confidential; a governor (the chair reviewing a ban, a member of a complaint's panel)
reads "the person who raised the concern", wherever the raiser is shown or typed."""

import datetime
import re

import pytest
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.chats import services as chat_services
from incidents.decisions import complaints, sanctions
from incidents.evidence import services as evidence_services
from incidents.models import Case, Sanction
from incidents.people.confidentiality import CONFIDENTIAL, RAISER
from policies.models import ResponseType
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
RAISER_NAME = "Ruth Adeyemi"
RAISER_PHONE = "07700 900123"
CHAT = (b"25/11/2026, 20:01 - Karl Dunn: The deputy head is useless\n"
        b"25/11/2026, 20:02 - Ruth Adeyemi: Please stop this, call me on 07700 900123\n")


def _shows_raiser(text: str) -> bool:
    return "adeyemi" in text.casefold() or "900123" in re.sub(r"\D", "", text)


@pytest.fixture
def raised_anonymously(school, office, lead, head):
    """A ban case (under review with the chair) raised by Ruth Adeyemi, who asked to remain anonymous:
    she gave a screenshot, a statement, wrote in the chat, was phoned, and staff typed her name in the
    case's summary. The case is also a safeguarding one, so the safeguarding lead may see it."""
    case, _ = factories.decided_case(school=school, lead=lead, head=head,
                                     codes=[ResponseType.Code.PROVISIONAL_BAN])
    case_services.concern_log(school=school, by=office, received_at=timezone.now(), channel="phone",
                              description="Ruth Adeyemi saw the post.", parents=list(case.parents.all()),
                              raised_by_name=RAISER_NAME, raised_by_contact=RAISER_PHONE,
                              raised_anonymously=True, link_to=case)
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png",
                                   provided_by="ruth adeyemi", provided_at=timezone.now(),
                                   description="Ruth Adeyemi's screenshot")
    evidence_services.statement_add(case=case, by=lead, given_by=RAISER_NAME, given_on=TODAY,
                                    text="I saw it. Call me on 07700900123.")
    evidence_services.contact_record(case=case, by=lead, happened_at=timezone.now(), with_whom=RAISER_NAME,
                                  method="phone", summary="Ruth Adeyemi confirmed the post.")
    chat_services.evidence_add_chat(case=case, by=office, data=CHAT, file_name="Year 4.txt",
                                    provided_by="The school office", provided_at=timezone.now())
    case.refresh_from_db()
    case_services.case_update(case=case, by=lead, expected_version=case.version,
                              summary="Reported by Ruth Adeyemi on 07700 900123.")
    Case.objects.filter(pk=case.pk).update(safeguarding=True)
    sanctions.sanction_transition(sanction=case.sanctions.get(), to=Sanction.State.PROVISIONAL, by=head, details={
        "reasons": "Threatened the deputy head, as Ruth Adeyemi saw.", "conditions": "Side gate only.",
        "starts_on": TODAY, "representations_due": TODAY + datetime.timedelta(days=14)})
    case.refresh_from_db()
    return case


def _pages(client, case) -> dict[str, str]:
    chat = case.evidence.get(original_name="Year 4.txt").chat_import
    pages = {"case": client.get(case.get_absolute_url()), "history": client.get(f"/cases/{case.reference}/history/"),
             "chat": client.get(f"/cases/{case.reference}/chats/{chat.pk}/")}
    for where, response in pages.items():
        assert response.status_code == 200, where
    return {where: response.content.decode() for where, response in pages.items()}


@pytest.mark.parametrize("role", ["head", "lead", "office", "dsl"])
def test_staff_who_may_see_the_case_see_the_raiser_marked_confidential(role, request, client_for, raised_anonymously):
    pages = _pages(client_for(request.getfixturevalue(role)), raised_anonymously)
    case_page = pages["case"]
    assert f'raised by <span data-testid="raiser">{RAISER_NAME}</span> ({RAISER_PHONE})' in case_page
    assert CONFIDENTIAL in case_page and 'data-testid="raiser-warnings"' in case_page
    evidence_tab = case_page[case_page.index('data-testid="tab-evidence"'):]
    assert '<td data-label="Provided by">ruth adeyemi' in evidence_tab  # "Provided by"
    assert f"{RAISER_NAME}, " in evidence_tab and f"with {RAISER_NAME}" in evidence_tab  # statement, contact
    chronology = case_page[case_page.index('data-testid="timeline"'):case_page.index('data-testid="tab-evidence"')]
    assert f"Statement from {RAISER_NAME}" in chronology
    assert "Threatened the deputy head, as Ruth Adeyemi saw." in case_page  # the ban's reasons
    assert "Reported by Ruth Adeyemi on 07700 900123." in pages["history"]
    assert f"<strong class=\"text-body\">{RAISER_NAME}</strong>" in pages["chat"]


def _sees_only_the_role(page: str) -> None:
    assert not _shows_raiser(page)
    assert CONFIDENTIAL not in page and 'data-testid="raiser-warnings"' not in page


def test_the_chair_reviewing_the_ban_reads_the_person_who_raised_the_concern(client_for, chair, raised_anonymously):
    pages = _pages(client_for(chair), raised_anonymously)
    for where, page in pages.items():
        assert not _shows_raiser(page), where
        _sees_only_the_role(page)
    case_page = pages["case"]
    assert f'raised by <span data-testid="raiser">{RAISER}</span> ([contact details withheld])' in case_page
    assert f'<td data-label="Provided by">{RAISER}' in case_page
    assert f"Statement from {RAISER}" in case_page and f"with {RAISER}" in case_page
    assert "They asked to remain anonymous to the parent." in case_page
    assert f"Threatened the deputy head, as {RAISER} saw." in case_page  # the ban the chair reviews
    assert f"Reported by {RAISER} on [contact details withheld]." in pages["history"]
    assert f"<strong class=\"text-body\">{RAISER}</strong>" in pages["chat"]
    assert "The deputy head is useless" in pages["chat"]


def test_a_panel_member_reads_the_person_who_raised_the_concern(client_for, head, lead, panel_member,
                                                                raised_anonymously):
    complaint = complaints.complaint_record(case=raised_anonymously, by=lead, received_on=TODAY,
                                            summary="The ban is unfair: Ruth Adeyemi has a grudge.")
    complaints.complaint_refer(complaint=complaint, by=head, governors=[panel_member], on=TODAY)
    client = client_for(panel_member)
    pages = _pages(client, raised_anonymously)
    outcome = client.get(f"/cases/{raised_anonymously.reference}/complaints/{complaint.pk}/outcome/")
    assert outcome.status_code == 200
    pages["outcome"] = outcome.content.decode()
    for page in pages.values():
        _sees_only_the_role(page)
    assert f'raised by <span data-testid="raiser">{RAISER}</span>' in pages["case"]
    assert f"The parent contests: The ban is unfair: {RAISER} has a grudge." in pages["outcome"]


def test_a_raiser_who_gave_their_name_openly_is_shown_to_governors(client_for, chair, school, lead, head, office):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.PROVISIONAL_BAN])
    case_services.concern_log(school=school, by=office, received_at=timezone.now(), channel="phone",
                              description="Seen at the gate.", parents=list(case.parents.all()),
                              raised_by_name="Open Person", link_to=case)
    sanctions.sanction_transition(sanction=case.sanctions.get(), to=Sanction.State.PROVISIONAL, by=head, details={
        "reasons": "Threatened the deputy head.", "conditions": "Side gate only.", "starts_on": TODAY})
    page = client_for(chair).get(case.get_absolute_url()).content.decode()
    assert 'raised by <span data-testid="raiser">Open Person</span>' in page
