"""The office's "Reported online" queue: who sees it, and the three ways to deal with a concern
(open a case, add it to a case, not a concern), each through the services and on the record."""

import contextlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.cases import forms as case_forms
from incidents.cases import services as case_services
from incidents.models import Case, CaseEvent, ChatImport, Concern, Evidence
from incidents.reporting import services
from tests import factories
from tests.factories import PNG
from tests.incidents.chats.test_archive import make_zip
from tests.incidents.evidence.test_evidence_archives import CHAT

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def override_parent_list_max(limit: int):
    with mock.patch.object(case_forms, "PARENT_LIST_MAX", limit):
        yield


@pytest.mark.parametrize("role,status", [("office", 200), ("lead", 200), ("head", 200), ("governor", 403),
                                         ("administrator", 403), ("dsl", 403), ("outsider", 403)])
def test_the_queue_is_for_office_staff_leads_and_the_head_only(request, client_for, reported, role, status):
    concern = reported()
    client = client_for(request.getfixturevalue(role))
    for url in ["/reported/", f"/reported/{concern.pk}/"]:
        response = client.get(url)
        assert response.status_code == status, url
        assert (concern.receipt in response.content.decode()) == (status == 200)


def test_an_anonymous_visitor_is_sent_to_sign_in(plain_client, reported):
    concern = reported()
    for url in ["/reported/", f"/reported/{concern.pk}/", f"/reported/{concern.pk}/file/"]:
        response = plain_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_office_home_page_shows_what_was_reported_online(client_for, office, governor, reported):
    concern = reported()
    page = client_for(office).get("/").content.decode()
    assert "Reported online" in page and concern.receipt in page
    assert concern.receipt not in client_for(governor).get("/").content.decode()


def test_opening_a_case_files_the_concern_and_keeps_its_files_as_evidence(client_for, office, school, reported):
    parent = factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")
    concern = reported(files=[("shot.png", PNG), ("WhatsApp Chat with Year 5.zip", make_zip({"_chat.txt": CHAT}))])
    response = client_for(office).post(f"/reported/{concern.pk}/file/",
                                       {"parents": [parent.pk], "submission_token": "t1"})
    concern.refresh_from_db()
    case = concern.case
    assert case is not None and response["Location"] == case.get_absolute_url()
    assert list(case.parents.all()) == [parent] and case.created_by == office
    assert concern.triage == Concern.Triage.CASE_OPENED and concern.triaged_by == office
    evidence = {item.original_name: item for item in Evidence.objects.filter(case=case)}
    assert set(evidence) == {"shot.png", "WhatsApp Chat with Year 5.zip"}
    assert evidence["shot.png"].sha256 == concern.reported_files.get(original_name="shot.png").sha256
    assert evidence["shot.png"].provided_by == "Reported online"  # asked to stay anonymous to the parent
    assert ChatImport.objects.filter(evidence__case=case).exists()
    kinds = list(case.events.values_list("kind", flat=True))
    # Two files kept, and the chat read: three evidence events.
    assert CaseEvent.Kind.CONCERN in kinds and kinds.count(CaseEvent.Kind.EVIDENCE) == 3
    assert "reported online" in case.events.get(kind=CaseEvent.Kind.CONCERN).summary
    assert concern.history.filter(triage=Concern.Triage.CASE_OPENED).exists()


def test_a_concern_is_dealt_with_once_only(office, lead, school, reported):
    parent = factories.ParentFactory(school=school)
    concern = reported()
    services.reported_concern_open_case(concern=concern, by=office, parents=[parent])
    with pytest.raises(ValidationError, match="already dealt with"):
        services.reported_concern_open_case(concern=concern, by=lead, parents=[parent])
    with pytest.raises(ValidationError, match="already dealt with"):
        services.reported_concern_dismiss(concern=concern, by=lead, reason="Spam")
    assert Case.objects.count() == 1


def test_a_concern_logged_by_staff_cannot_be_triaged_as_reported_online(client_for, office, case, school):
    logged = case.concerns.get()
    assert client_for(office).get(f"/reported/{logged.pk}/").status_code == 404
    with pytest.raises(ValidationError):
        services.reported_concern_dismiss(concern=logged, by=office, reason="Spam")


def test_opening_a_case_needs_a_parent_and_keeps_the_concern_waiting(client_for, office, reported):
    concern = reported()
    response = client_for(office).post(f"/reported/{concern.pk}/file/", {"submission_token": "t2"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    concern.refresh_from_db()
    assert concern.case is None and concern.triage == Concern.Triage.AWAITING


def test_adding_to_a_case_the_office_may_see(client_for, office, case, parent, reported):
    concern = reported(files=[("shot.png", PNG)])
    response = client_for(office).post(f"/reported/{concern.pk}/file/", {
        "parents": [parent.pk], "case_reference": case.reference.lower(), "submission_token": "t3"})
    assert response["Location"] == case.get_absolute_url()
    concern.refresh_from_db()
    assert concern.case == case and concern.triage == Concern.Triage.ATTACHED
    assert case.evidence.get().original_name == "shot.png"
    assert Case.objects.count() == 1


def test_a_case_hidden_from_the_user_is_refused_as_if_it_did_not_exist(client_for, office, lead, head, school,
                                                                        reported):
    parent = factories.ParentFactory(school=school)
    hidden = case_services.concern_log(school=school, by=lead, received_at=reported().received_at,
                                       channel="email", description="x", parents=[parent])
    hidden_case = hidden.case
    case_services.case_set_restricted(case=hidden_case, by=head, restricted=True, reason="Staff involved.")
    concern = reported()
    response = client_for(office).post(f"/reported/{concern.pk}/file/", {
        "parents": [parent.pk], "case_reference": hidden_case.reference, "submission_token": "t4"})
    assert "There is no open case with that reference" in response.content.decode()
    concern.refresh_from_db()
    assert concern.case is None
    with pytest.raises(ValidationError, match="no open case"):
        services.reported_concern_attach(concern=concern, by=office, case=hidden_case, parents=[parent])


def test_not_a_concern_needs_a_reason_and_is_kept_on_record(client_for, office, reported):
    concern = reported(files=[("shot.png", PNG)])
    client = client_for(office)
    response = client.post(f"/reported/{concern.pk}/not-a-concern/", {"dismiss-submission_token": "t5"})
    assert response.status_code == 200
    concern.refresh_from_db()
    assert concern.triage == Concern.Triage.AWAITING
    response = client.post(f"/reported/{concern.pk}/not-a-concern/",
                           {"dismiss-reason": "Advertising, not about the school.", "dismiss-submission_token": "t6"})
    assert response["Location"] == reverse("incidents:reported_list")
    concern.refresh_from_db()
    assert concern.triage == Concern.Triage.NOT_A_CONCERN and concern.triaged_by == office
    assert concern.triage_note == "Advertising, not about the school."
    assert concern.reported_files.count() == 1 and not Case.objects.exists()  # nothing deleted, no case
    assert "Not a concern" in client.get("/reported/").content.decode()


@pytest.mark.parametrize("role", ["governor", "administrator", "dsl"])
def test_roles_outside_the_queue_cannot_deal_with_a_concern(request, client_for, school, reported, role):
    parent = factories.ParentFactory(school=school)
    concern = reported()
    client = client_for(request.getfixturevalue(role))
    assert client.post(f"/reported/{concern.pk}/file/",
                       {"parents": [parent.pk], "submission_token": "t7"}).status_code == 403
    assert client.post(f"/reported/{concern.pk}/not-a-concern/",
                       {"dismiss-reason": "x", "dismiss-submission_token": "t8"}).status_code == 403
    concern.refresh_from_db()
    assert concern.triage == Concern.Triage.AWAITING and not Case.objects.exists()


def test_a_sent_file_downloads_only_as_an_attachment(client_for, office, governor, reported):
    concern = reported(files=[("shot.png", PNG)])
    sent = concern.reported_files.get()
    url = f"/reported/{concern.pk}/files/{sent.pk}/"
    response = client_for(office).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    assert client_for(governor).get(url).status_code == 403


def test_a_switched_off_form_refuses_the_service_too(school, reported):
    school.online_reporting = False
    school.save()
    with pytest.raises(services.ReportingClosed):
        reported()
    assert not Concern.objects.exists()


def test_a_school_with_too_many_parents_to_list_finds_them_by_name_without_javascript(
        client_for, office, school, reported):
    karl = factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")
    concern = reported(about="the dad with the red car")
    client = client_for(office)
    with override_parent_list_max(1):
        factories.ParentFactory(school=school, first_name="Ann", last_name="Lee")
        page = client.get(f"/reported/{concern.pk}/").content.decode()
        assert "Find a parent by name" in page and "Ann Lee" not in page and "Karl Dunn" not in page
        found = client.post(f"/reported/{concern.pk}/file/", {"parent_search": "dun", "find_parents": "1",
                                                               "submission_token": "t9"}).content.decode()
        assert "Karl Dunn" in found and "Ann Lee" not in found
        concern.refresh_from_db()
        assert concern.triage == Concern.Triage.AWAITING  # finding saves nothing
        client.post(f"/reported/{concern.pk}/file/", {"parents": [karl.pk], "submission_token": "t9"})
    concern.refresh_from_db()
    assert concern.case is not None and list(concern.case.parents.all()) == [karl]


def test_a_resent_form_files_the_concern_once(client_for, office, school, reported):
    parent = factories.ParentFactory(school=school)
    concern = reported()
    client = client_for(office)
    first = client.post(f"/reported/{concern.pk}/file/", {"parents": [parent.pk], "submission_token": "same"})
    again = client.post(f"/reported/{concern.pk}/file/", {"parents": [parent.pk], "submission_token": "same"})
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Case.objects.count() == 1
