"""The governors' panel records its own outcome of a complaint, in the app: each member records it or
confirms what another recorded; it is decided when all agree. The Head Teacher, whose decision is
contested, cannot record or change it; nor can a governor not on the panel."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.decisions import complaints
from incidents.models import Complaint, PanelConfirmation
from incidents.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def referred(school, lead, head, governor, panel_member):
    """A complaint referred to a panel of two governors."""
    case, _ = factories.decided_case(school=school, lead=lead, head=head)
    complaint = complaints.complaint_record(case=case, by=lead, received_on=TODAY, summary="The warning is unfair.")
    return complaints.complaint_refer(complaint=complaint, by=head, governors=[governor, panel_member], on=TODAY)


def _url(complaint) -> str:
    return f"/cases/{complaint.case.reference}/complaints/{complaint.pk}/outcome/"


def _post(client, complaint, token, outcome="not_upheld", reasons="The warning was proportionate."):
    return client.post(_url(complaint), {"outcome": outcome, "reasons": reasons, "on": TODAY.isoformat(),
                                         "submission_token": token})


def test_each_member_records_and_the_panel_decides_when_all_agree(referred, governor, panel_member, client_for):
    assert _post(client_for(governor), referred, "g-1").status_code == 302
    referred.refresh_from_db()
    assert referred.state == Complaint.State.REFERRED and referred.outcome == ""  # one of two so far
    page = client_for(panel_member).get(_url(referred)).content.decode()
    assert "Grace Gordon recorded “Complaint not upheld”" in page and "The warning was proportionate." in page
    assert _post(client_for(panel_member), referred, "p-1").status_code == 302
    referred.refresh_from_db()
    assert (referred.state, referred.outcome, referred.outcome_reasons) == (
        Complaint.State.DECIDED, "not_upheld", "The warning was proportionate.")
    summaries = list(referred.case.events.values_list("summary", flat=True))
    assert "Governors' panel: Priya Patel confirmed “Complaint not upheld”" in summaries
    assert summaries[-1] == "Governors' panel: Complaint not upheld"


def test_a_member_who_differs_keeps_it_open_until_the_others_confirm(referred, governor, panel_member):
    complaints.complaint_outcome_record(complaint=referred, by=governor, outcome="not_upheld", reasons="Fair.",
                                        on=TODAY)
    complaints.complaint_outcome_record(complaint=referred, by=panel_member, outcome="partly",
                                        reasons="The letter was too harsh.", on=TODAY)
    referred.refresh_from_db()
    assert referred.state == Complaint.State.REFERRED
    complaints.complaint_outcome_record(complaint=referred, by=governor, outcome="partly",
                                        reasons="The letter was too harsh.", on=TODAY)
    referred.refresh_from_db()
    assert (referred.state, referred.outcome) == (Complaint.State.DECIDED, "partly")
    assert PanelConfirmation.objects.filter(complaint=referred).count() == 3  # nothing recorded is removed
    with pytest.raises(ValidationError):  # decided: nobody changes it afterwards
        complaints.complaint_outcome_record(complaint=referred, by=governor, outcome="upheld", reasons="x", on=TODAY)


def test_the_head_cannot_record_or_change_the_panels_outcome(referred, head, client_for):
    client = client_for(head)
    assert client.get(_url(referred)).status_code == 403
    assert _post(client, referred, "h-1", outcome="not_upheld").status_code == 403
    with pytest.raises(PermissionDenied):
        complaints.complaint_outcome_record(complaint=referred, by=head, outcome="not_upheld", reasons="Mine.",
                                            on=TODAY)
    referred.refresh_from_db()
    assert referred.state == Complaint.State.REFERRED and not PanelConfirmation.objects.exists()
    assert "Record or confirm the panel" not in client.get(referred.case.get_absolute_url()).content.decode()


def test_a_head_who_is_also_a_governor_is_refused_too(referred, head):
    factories.give_role(head, Role.GOVERNOR, school=referred.case.school)
    referred.panel.add(head)  # even put on the panel by hand
    with pytest.raises(PermissionDenied):
        complaints.complaint_outcome_record(complaint=referred, by=head, outcome="upheld", reasons="r", on=TODAY)


def test_a_governor_not_on_the_panel_cannot_record(referred, school, client_for):
    other = factories.UserFactory(username="other-governor", role=Role.GOVERNOR)
    with pytest.raises(PermissionDenied):
        complaints.complaint_outcome_record(complaint=referred, by=other, outcome="upheld", reasons="r", on=TODAY)
    # The case is not referred to them: it does not exist for them.
    assert _post(client_for(other), referred, "o-1").status_code == 404
    assert not PanelConfirmation.objects.exists()


def test_a_panel_member_cannot_record_on_another_complaint_by_changing_the_id(referred, school, lead, head,
                                                                             governor, client_for):
    case = referred.case
    second = complaints.complaint_record(case=case, by=lead, received_on=TODAY, summary="Another complaint.")
    response = client_for(governor).post(f"/cases/{case.reference}/complaints/{second.pk}/outcome/", {
        "outcome": "upheld", "reasons": "r", "on": TODAY.isoformat(), "submission_token": "x-1"})
    assert response.status_code == 403  # not referred to a panel: nobody's to record
    assert not PanelConfirmation.objects.exists()


def test_the_refer_form_names_people_and_never_offers_the_head(referred, head, client_for):
    factories.give_role(head, Role.GOVERNOR, school=referred.case.school)
    complaint = complaints.complaint_record(case=referred.case, by=head, received_on=TODAY, summary="Again.")
    page = client_for(head).get(
        f"/cases/{referred.case.reference}/complaints/{complaint.pk}/refer/").content.decode()
    assert "Grace Gordon (Governor)" in page and "Priya Patel (Governor)" in page
    assert "Helen Hart" not in page.split("Governors on the panel", 1)[1]
    with pytest.raises(ValidationError):
        complaints.complaint_refer(complaint=complaint, by=head, governors=[head], on=TODAY)
