"""Dates nobody means and junk in query strings give a plain message or are ignored, never a server error,
and what the user typed is kept."""

import pytest
from django.utils import timezone

from incidents.models import Case, Contact, Sanction, Statement
from policies.models import ResponseType
from tests import factories

TODAY = timezone.localdate()
FAR_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2100-01-01"]


@pytest.mark.parametrize("day", FAR_DATES)
@pytest.mark.parametrize("name", ["opened_from", "opened_to"])
def test_the_case_list_takes_far_dates_in_its_filters_without_failing(client_for, head, case, day, name):
    response = client_for(head).get("/cases/", {name: day})
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2099." in response.content.decode()


@pytest.mark.parametrize("day", FAR_DATES)
@pytest.mark.parametrize("name", ["from_date", "to_date"])
def test_the_letter_list_takes_far_dates_in_its_filters_without_failing(client_for, head, case, day, name):
    response = client_for(head).get("/letters/", {name: day})
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2099." in response.content.decode()


@pytest.mark.parametrize("day", FAR_DATES)
def test_a_statement_dated_in_a_far_year_is_refused_plainly_and_the_text_kept(client_for, lead, case, day):
    response = client_for(lead).post(f"/cases/{case.reference}/statements/new/", {
        "given_by": "Ruth Adeyemi", "given_on": day, "text": "I saw the post at nine.", "submission_token": "st-1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a date between 1900 and 2099." in page and "I saw the post at nine." in page
    assert not Statement.objects.exists()


@pytest.mark.parametrize("moment", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_a_contact_at_a_far_moment_is_refused_plainly(client_for, lead, case, moment):
    response = client_for(lead).post(f"/cases/{case.reference}/contacts/new/", {
        "happened_at": moment, "with_whom": "Karl Dunn", "method": "phone", "summary": "Discussed the posts.",
        "submission_token": "co-1"})
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2099." in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.parametrize("moment", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_a_concern_received_at_a_far_moment_is_refused_plainly(client_for, office, parent, moment):
    response = client_for(office).post("/concerns/new/", {
        "received_at": moment, "channel": "whatsapp", "description": "Posted about a teacher.",
        "parents": [parent.pk], "raised_by_name": "Ruth", "submission_token": "con-1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a date between 1900 and 2099." in page and "Posted about a teacher." in page


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_case_edited_to_a_far_incident_date_is_refused_plainly(client_for, lead, case, day):
    response = client_for(lead).post(f"/cases/{case.reference}/edit/", {
        "title": "Changed title", "incident_date": day, "summary": "s", "severity": "medium",
        "version": case.version})
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2099." in response.content.decode()
    case.refresh_from_db()
    assert case.title != "Changed title"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_provisional_ban_starting_in_a_far_year_is_refused_plainly(client_for, school, lead, head, day):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.PROVISIONAL_BAN])
    ban = case.sanctions.get()
    response = client_for(head).post(f"/cases/{case.reference}/sanctions/{ban.pk}/provisional/", {
        "on": day, "reasons": "Threatened the deputy head.", "starts_on": day,
        "conditions": "Grandmother collects.", "submission_token": "ban-1"})
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2099." in response.content.decode()
    ban.refresh_from_db()
    assert ban.state != Sanction.State.PROVISIONAL


@pytest.mark.parametrize("junk", ["²", "abc", "١", "99999999999999999999999", "-1", "1.5", ""])
def test_junk_parent_ids_in_query_strings_are_ignored(client_for, office, parent, junk):
    client = client_for(office)
    assert client.get("/concerns/open-cases/", {"parents": [junk, parent.pk]}).status_code == 200
    assert client.get("/concerns/parents/", {"parents": [junk], "parent_search": "a"}).status_code == 200
    assert client.get("/concerns/new/", {"parents": [junk]}).status_code == 200
    response = client.post("/concerns/new/", {"parents": [junk], "description": "Kept text", "find_parents": "1"})
    assert response.status_code == 200


@pytest.mark.parametrize("junk", ["²", "abc", "99999999999999999999999"])
def test_junk_in_the_case_list_query_string_is_ignored_or_refused_plainly(client_for, head, case, junk):
    for name in ("page", "lead", "category", "status", "sort", "parent", "q"):
        assert client_for(head).get("/cases/", {name: junk}).status_code == 200, name


@pytest.mark.parametrize("junk", ["abc", "²", "99999999999999999999999"])
def test_superseding_a_decision_named_by_junk_is_not_found(client_for, school, lead, head, junk):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.WARNING])
    response = client_for(head).get(f"/cases/{case.reference}/decide/", {"supersedes": junk})
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).decisions.count() == 1
