import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.decisions import complaints
from incidents.models import Case, Decision, Sanction
from policies.models import ResponseType
from tests import factories
from tests.incidents.conftest import PNG

pytestmark = pytest.mark.django_db
Code = ResponseType.Code
TODAY = timezone.localdate()


def _decision_post(ladder, code=Code.WARNING, **overrides):
    data = {"responses": [ladder[code].pk], "reasons": "The posts named a teacher and upset her.",
            "seriousness": "Named a member of staff.", "submission_token": "decide-1"}
    data.update(overrides)
    return data


def test_lead_recommends_through_the_page_and_the_head_sees_it(client_for, school, lead, head):
    ladder = factories.ladder_for(school)
    case = case_services.case_open(school=school, by=lead, title="T", incident_date=TODAY, lead=lead)
    case_services.case_transition(case=case, to="investigating", by=lead)
    client = client_for(lead)
    assert "Recommend a response" in client.get(case.get_absolute_url()).content.decode()
    client.post(f"/cases/{case.reference}/recommend/", {
        "responses": [ladder[Code.WARNING].pk], "facts_found": "Called the teacher useless.",
        "reasons": "First breach.", "submission_token": "rec-1"})
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_DECISION
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    assert "Called the teacher useless." in page and "Record the decision" in page


@pytest.mark.parametrize("role", ["office", "lead", "dsl", "governor", "admin", "outsider"])
def test_only_the_head_reaches_the_decision_form(client_for, school, cast, role):
    case = factories.case_awaiting_decision(school=school, lead=cast["lead"])
    case.assignees.add(cast["office"])
    case.governors.add(cast["governor"])
    ladder = factories.ladder_for(school)
    client = client_for(cast[role])
    assert client.get(f"/cases/{case.reference}/decide/").status_code in (403, 404)
    assert client.post(f"/cases/{case.reference}/decide/", _decision_post(ladder)).status_code in (403, 404)
    assert not Decision.objects.exists()
    if role in ("office", "lead", "governor"):  # they can see the case, so they are told "forbidden"
        assert client.get(f"/cases/{case.reference}/decide/").status_code == 403


def test_head_decides_with_the_proportionality_panel_beside_the_form(client_for, school, lead, head):
    case = factories.case_awaiting_decision(school=school, lead=lead)
    ladder = factories.ladder_for(school)
    client = client_for(head)
    form = client.get(f"/cases/{case.reference}/decide/").content.decode()
    assert "Proportionality" in form and "Usual response for a first case:" in form
    refused = client.post(f"/cases/{case.reference}/decide/", _decision_post(ladder, Code.PROVISIONAL_BAN))
    assert refused.status_code == 200 and "say why it is proportionate" in refused.content.decode()
    client.post(f"/cases/{case.reference}/decide/", _decision_post(ladder, Code.PROVISIONAL_BAN,
                                                                   submission_token="decide-2",
                                                                   justification="Threats at the gate."))
    client.post(f"/cases/{case.reference}/decide/", _decision_post(ladder, Code.PROVISIONAL_BAN,
                                                                   submission_token="decide-2",
                                                                   justification="Threats at the gate."))
    assert Decision.objects.count() == 1  # the double-click wrote once
    case.refresh_from_db()
    assert case.status == Case.Status.DECIDED
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Issue the provisional ban" in page and "Threats at the gate." in page


def test_the_page_shows_both_decisions_after_a_correction(client_for, school, lead, head):
    case, first = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.MEETING])
    ladder = factories.ladder_for(school)
    client = client_for(head)
    client.post(f"/cases/{case.reference}/decide/?supersedes={first.pk}",
                _decision_post(ladder, reasons="A warning is enough.", supersedes=first.pk))
    page = client.get(case.get_absolute_url()).content.decode()
    assert page.count('data-testid="decision"') == 2
    assert "Superseded" in page and "A warning is enough." in page and "The posts named a teacher." in page


def test_legal_advice_summary_is_shown_to_the_head_only(client_for, school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.LEGAL_ADVICE])
    sanction = case.sanctions.get()
    assert client_for(lead).get(f"/cases/{case.reference}/sanctions/{sanction.pk}/advice_sought/").status_code == 403
    client = client_for(head)
    client.post(f"/cases/{case.reference}/sanctions/{sanction.pk}/advice_sought/", {
        "on": TODAY.isoformat(), "adviser": "Local authority legal team",
        "head_only_note": "Likely defamatory; a solicitor's letter is an option.", "submission_token": "legal-1"})
    assert "Likely defamatory" in client.get(case.get_absolute_url()).content.decode()
    lead_page = client_for(lead).get(case.get_absolute_url()).content.decode()
    assert "Local authority legal team" in lead_page and "Likely defamatory" not in lead_page


def test_ban_page_withholds_confirmation_until_representations_arrive(client_for, school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.PROVISIONAL_BAN])
    ban = case.sanctions.get()
    client = client_for(head)
    client.post(f"/cases/{case.reference}/sanctions/{ban.pk}/provisional/", {
        "on": TODAY.isoformat(), "reasons": "Threatened the deputy head.", "starts_on": TODAY.isoformat(),
        "conditions": "Grandmother drops off and collects at the side gate.", "submission_token": "ban-1"})
    page = client.get(case.get_absolute_url()).content.decode()
    provisional = ban.steps.get(to_state=Sanction.State.PROVISIONAL)
    assert "Letter needed" in page and "Prepare the provisional ban" in page
    assert f"/letters/new/?step=step-{provisional.pk}" in page
    assert "Review: confirm the ban" not in page and "Record the parent&#x27;s representations" in page
    client_for(lead).post(f"/cases/{case.reference}/sanctions/{ban.pk}/representations/", {
        "on": TODAY.isoformat(), "text": "I apologise.", "submission_token": "rep-1",
        "files": [SimpleUploadedFile("letter.png", PNG, content_type="image/png")]})
    ban.refresh_from_db()
    assert ban.state == Sanction.State.REPRESENTATIONS and case.evidence.count() == 1
    client = client_for(head)  # the test client is shared: sign the Head Teacher in again
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Review: confirm the ban" in page and "letter.png" in page
    refused = client.post(f"/cases/{case.reference}/sanctions/{ban.pk}/confirmed/", {
        "on": TODAY.isoformat(), "ends_on": (TODAY + datetime.timedelta(days=90)).isoformat(),
        "submission_token": "conf-1"})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert "Review: confirm the ban" not in client_for(lead).get(case.get_absolute_url()).content.decode()


def test_referred_governor_sees_the_case_but_no_write_view(client_for, school, lead, head, governor):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[Code.MEETING])
    complaint = complaints.complaint_record(case=case, by=lead, received_on=TODAY, summary="Unfair.")
    head_client = client_for(head)
    head_client.post(f"/cases/{case.reference}/complaints/{complaint.pk}/refer/", {
        "governors": [governor.pk], "on": TODAY.isoformat(), "submission_token": "refer-1"})
    client = client_for(governor)
    page = client.get(case.get_absolute_url()).content.decode()
    # The panel's own outcome is theirs to record; nothing else is.
    assert "Unfair." in page and "Record or confirm the panel" in page and "Correct the decision" not in page
    sanction = case.sanctions.get()
    for url in [f"/cases/{case.reference}/recommend/", f"/cases/{case.reference}/decide/",
                f"/cases/{case.reference}/sanctions/{sanction.pk}/invited/",
                f"/cases/{case.reference}/complaints/new/",
                f"/cases/{case.reference}/complaints/{complaint.pk}/refer/"]:
        assert client.post(url, {"submission_token": url}).status_code in (403, 404), url
    assert sanction.steps.count() == 0


@pytest.mark.usefixtures("demo_allowed")
def test_every_demo_case_page_renders_for_each_role(client):
    from django.core.management import call_command

    from incidents.access.visibility import cases_visible_to
    from incidents.models import User

    call_command("seed_demo")
    for username in ["head", "lead", "office", "governor"]:
        user = User.objects.get(username=username)
        client.force_login(user)
        for case in cases_visible_to(user).filter(recommendations__isnull=False).distinct():
            page = client.get(case.get_absolute_url())
            assert page.status_code == 200, (username, case.reference)
            assert ("The posts are likely defamatory" in page.content.decode()) == (
                username == "head" and case.sanctions.filter(kind="legal").exists())
    client.force_login(User.objects.get(username="head"))
    review = Sanction.objects.get(state="representations")
    page = client.get(review.case.get_absolute_url()).content.decode()
    assert "Review: confirm the ban" in page and "I accept I was angry" in page
