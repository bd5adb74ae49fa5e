"""Editing a draft policy in Casebook, comparing it with the version in force, and adopting it."""

import datetime

import pytest

from incidents.models import Case
from policies.comparison import compare_versions, word_changes
from policies.models import Clause, PolicyVersion
from tests import factories
from tests.policies.conftest import make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(policy, adopted_version):
    return make_version(policy, number=2, clauses=(
        "Do not raise grievances about named staff or children in the group.",  # changed
        "Be kind to one another.",  # added; "No politics, please." removed
    ))


def _clause_post(clause, **changes):
    data = {"number": clause.number, "kind": clause.kind, "text": clause.text, **changes}
    return {f"c{clause.pk}-{name}": value for name, value in data.items()}


def test_draft_clause_edit_saves_and_is_audited(client_for, administrator, draft):
    clause = draft.clauses.get(number="1.2")
    response = client_for(administrator).post(
        f"/policy/versions/{draft.pk}/clauses/{clause.pk}/", _clause_post(clause, text="Be kind and patient."))
    assert response.status_code == 302
    clause.refresh_from_db()
    assert clause.text == "Be kind and patient."
    change = clause.history.first()
    assert change.history_user == administrator and "changed" in change.history_change_reason


def test_adopted_version_clause_post_is_refused_and_unchanged(client_for, administrator, adopted_version, draft):
    clause = adopted_version.clauses.get(number="1.2")
    client = client_for(administrator)
    response = client.post(f"/policy/versions/{adopted_version.pk}/clauses/{clause.pk}/",
                           _clause_post(clause, text="Politics welcome."), follow=True)
    assert "cannot be changed" in response.content.decode()
    assert Clause.objects.get(pk=clause.pk).text == "No politics, please."
    # Nor can a clause be added to it or taken out of it.
    client.post(f"/policy/versions/{adopted_version.pk}/clauses/add/",
                {"new-number": "9.9", "new-kind": Clause.Kind.GUIDELINE, "new-text": "Slipped in."})
    client.post(f"/policy/versions/{adopted_version.pk}/clauses/{clause.pk}/remove/")
    assert list(adopted_version.clauses.values_list("text", flat=True)) == [
        "Do not raise grievances about named staff in the group.", "No politics, please."]


def test_a_clause_of_another_version_cannot_be_reached_through_a_draft(client_for, administrator, adopted_version,
                                                                        draft):
    clause = adopted_version.clauses.first()
    response = client_for(administrator).post(f"/policy/versions/{draft.pk}/clauses/{clause.pk}/",
                                              _clause_post(clause, text="Changed"))
    assert response.status_code == 404
    assert Clause.objects.get(pk=clause.pk).text != "Changed"


def test_draft_clause_add_and_remove(client_for, administrator, draft):
    client = client_for(administrator)
    client.post(f"/policy/versions/{draft.pk}/clauses/add/",
                {"new-number": "3.1", "new-kind": Clause.Kind.INAPPROPRIATE, "new-text": "Threats."})
    added = draft.clauses.get(number="3.1")
    assert added.position == 3 and added.history.first().history_user == administrator
    client.post(f"/policy/versions/{draft.pk}/clauses/{added.pk}/remove/")
    assert not draft.clauses.filter(number="3.1").exists()
    assert Clause.history.filter(id=added.pk, history_type="-").exists()  # the removal is kept


@pytest.mark.parametrize("role", ["office", "lead", "head", "dsl", "governor", "outsider"])
def test_only_administrators_edit_drafts(role, cast, client_for, draft):
    clause = draft.clauses.first()
    response = client_for(cast[role]).post(f"/policy/versions/{draft.pk}/clauses/{clause.pk}/",
                                           _clause_post(clause, text="Changed"))
    assert response.status_code == 403
    assert Clause.objects.get(pk=clause.pk).text != "Changed"


def test_word_changes_mark_words_put_in_and_taken_out():
    runs = word_changes("Do not raise grievances about named staff.", "Do not raise complaints about named staff.")
    assert [(run.op, run.text) for run in runs if run.op != "same"] == [("removed", "grievances"),
                                                                      ("added", "complaints")]


def test_comparison_pairs_clauses_by_wording(adopted_version, draft):
    comparison = compare_versions(old=adopted_version, new=draft)
    assert [item.change for item in comparison.changes] == ["changed", "added", "removed"]
    assert comparison.changes[2].old.text == "No politics, please."
    assert comparison.summary == "1 added, 1 changed, 1 removed"


def test_compare_page_shows_the_differences(client_for, head, draft):
    html = client_for(head).get(f"/policy/versions/{draft.pk}/compare/").content.decode()
    assert "<ins>or children </ins>" in html or "<ins>or children" in html
    assert 'data-change="removed"' in html and "No politics, please." in html


def test_adopting_without_confirmation_does_nothing(client_for, head, adopted_version, draft):
    response = client_for(head).post(f"/policy/versions/{draft.pk}/adopt/", {"adopted_on": "2026-01-05"})
    assert response.status_code == 200
    assert "nothing has been adopted" in response.content.decode()
    draft.refresh_from_db()
    adopted_version.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT
    assert adopted_version.status == PolicyVersion.Status.ADOPTED


def test_adopt_page_says_what_changes_for_open_cases(client_for, head, school, adopted_version, draft, office):
    citing = factories.CaseFactory(school=school, created_by=office, policy_version=adopted_version)
    by_clause = factories.CaseFactory(school=school, created_by=office)
    by_clause.clauses.add(adopted_version.clauses.first())
    closed = factories.CaseFactory(school=school, created_by=office, policy_version=adopted_version,
                                   status=Case.Status.CLOSED)
    page = client_for(head).get(f"/policy/versions/{draft.pk}/adopt/").content.decode()
    assert "2 open cases" in page and "keep citing the version they were decided under" in page

    response = client_for(head).post(f"/policy/versions/{draft.pk}/adopt/",
                                     {"adopted_on": "2026-01-05", "confirm": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    adopted_version.refresh_from_db()
    assert (draft.status, draft.adopted_on) == (PolicyVersion.Status.ADOPTED, datetime.date(2026, 1, 5))
    assert adopted_version.status == PolicyVersion.Status.SUPERSEDED
    assert draft.history.first().history_user == head
    for case in (citing, closed):
        case.refresh_from_db()
        assert case.policy_version == adopted_version
    assert list(by_clause.clauses.all()) == [adopted_version.clauses.first()]


@pytest.mark.parametrize("role", ["admin", "office", "lead", "dsl", "governor"])
def test_only_the_head_teacher_adopts(role, cast, client_for, draft):
    response = client_for(cast[role]).post(f"/policy/versions/{draft.pk}/adopt/",
                                           {"adopted_on": "2026-01-05", "confirm": "on"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT


def test_an_adopted_version_cannot_be_adopted_again(client_for, head, adopted_version, draft):
    client_for(head).post(f"/policy/versions/{adopted_version.pk}/adopt/",
                          {"adopted_on": "2027-01-05", "confirm": "on"})
    adopted_version.refresh_from_db()
    assert adopted_version.adopted_on == datetime.date(2025, 9, 1)


def test_new_draft_button_copies_the_latest_version(client_for, administrator, policy, adopted_version):
    response = client_for(administrator).post(f"/policy/{policy.pk}/new-draft/")
    draft = policy.versions.get(number=2)
    assert response.url == f"/policy/versions/{draft.pk}/"
    assert list(draft.clauses.values_list("text", flat=True)) == list(
        adopted_version.clauses.values_list("text", flat=True))
    page = client_for(administrator).get(f"/policy/versions/{draft.pk}/").content.decode()
    assert f'name="c{draft.clauses.first().pk}-text"' in page and "Version 1 is in force" in page


def test_the_policy_page_tells_the_head_a_draft_is_waiting_and_hides_it_from_other_staff(client_for, head, office,
                                                                                         draft):
    page = client_for(head).get("/policy/").content.decode()
    assert "Version 2 of" in page and f"/policy/versions/{draft.pk}/compare/" in page and "adopt it" in page
    assert 'data-testid="draft-waiting"' not in client_for(office).get("/policy/").content.decode()


def test_the_history_names_people_with_their_role_never_their_username(client_for, administrator, draft):
    clause = draft.clauses.first()
    client = client_for(administrator)
    client.post(f"/policy/versions/{draft.pk}/clauses/{clause.pk}/", _clause_post(clause, text="Kinder words."))
    page = client.get(f"/policy/versions/{draft.pk}/").content.decode()
    history = page.split("Changes to this version")[1]
    assert "Aisha Adams, Administrator" in history and ">admin<" not in history and "(admin)" not in history


@pytest.mark.parametrize("day", ["9999-06-01", "2099-01-01", "1899-12-31", "not a date"])
def test_an_adoption_date_out_of_range_is_refused_with_a_message(client_for, head, adopted_version, draft, day):
    response = client_for(head).post(f"/policy/versions/{draft.pk}/adopt/", {"adopted_on": day, "confirm": "on"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT


def test_the_adopt_page_offers_today_in_the_form_a_date_input_reads(client_for, head, adopted_version, draft):
    page = client_for(head).get(f"/policy/versions/{draft.pk}/adopt/").content.decode()
    assert f'type="date" name="adopted_on" value="{datetime.date.today().isoformat()}"' in page
