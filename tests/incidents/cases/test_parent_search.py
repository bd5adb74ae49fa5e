"""Choosing parents on the "Log a concern" form: a plain list for a small school, a search
for a large one (more than PARENT_LIST_MAX parents), and the same name matching in the case list's
"Parent's name" filter."""

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from incidents.cases import forms as case_forms
from incidents.cases import services as case_services
from incidents.cases.selectors import parents_matching
from incidents.models import Case, Concern
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_school(monkeypatch):
    """Any school with more than two parents counts as too large to list them all."""
    monkeypatch.setattr(case_forms, "PARENT_LIST_MAX", 2)


@pytest.fixture
def other_school(db):
    return factories.SchoolFactory(name="Riverside Academy")


@pytest.fixture
def parents(school, parent):
    """Karl Dunn (the standing parent, father of Maya in Year 4) and a few others."""
    parent.children.add(factories.ChildFactory(school=school, first_name="Maya", last_name="Dunn", class_name="Year 4"))
    other_karl = factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")
    other_karl.children.add(factories.ChildFactory(school=school, class_name="Reception"))
    return {
        "karl": parent,
        "other_karl": other_karl,
        "li": factories.ParentFactory(school=school, first_name="Mei", last_name="Li"),
        "lisa": factories.ParentFactory(school=school, first_name="Lisa", last_name="Okoro"),
        "ruth": factories.ParentFactory(school=school, first_name="Ruth", last_name="Adeyemi"),
    }


def _concern_post(parent_ids, **overrides):
    data = {
        "received_at": (timezone.localtime() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "whatsapp", "raised_by_name": "Ruth Adeyemi", "raised_by_contact": "07700 900001",
        "parents": parent_ids, "description": "Called the deputy head useless in the Year 4 group.",
        "submission_token": "token-1",
    }
    data.update(overrides)
    return data


# --- the selector -------------------------------------------------------------------------------

def test_parents_are_found_by_part_of_a_first_last_or_full_name_in_any_case(parents):
    def found(text):
        return {p.full_name for p in parents_matching(text)}

    assert found("dunn") == found("KARL") == found("arl Dun") == {"Karl Dunn"}
    assert found("karl dunn") == {"Karl Dunn"}
    assert found("karl okoro") == set()
    assert found("yem") == {"Ruth Adeyemi"}


def test_a_name_with_an_apostrophe_or_a_hyphen_is_found(school):
    factories.ParentFactory(school=school, first_name="Siobhan", last_name="O'Brien-Walsh")
    assert [p.full_name for p in parents_matching("o'brien")] == ["Siobhan O'Brien-Walsh"]
    assert [p.full_name for p in parents_matching("Brien-Wal")] == ["Siobhan O'Brien-Walsh"]


def test_a_name_of_one_or_two_letters_must_be_a_whole_name(parents):
    assert [p.full_name for p in parents_matching("li")] == ["Mei Li"]  # not Lisa Okoro


def test_only_the_first_four_words_of_a_long_paste_count(parents):
    assert [p.full_name for p in parents_matching("karl dunn karl dunn zebedee")] == ["Karl Dunn", "Karl Dunn"]


def test_nothing_typed_finds_no_parent(parents):
    assert not parents_matching("").exists()
    assert not parents_matching(" %_* ").exists()


def test_parents_of_another_school_are_not_found_when_a_school_is_given(parents, school, other_school):
    elsewhere = factories.ParentFactory(school=other_school, first_name="Karl", last_name="Dunnett")
    assert elsewhere in parents_matching("dunn")
    assert elsewhere not in parents_matching("dunn", school=school)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram indexes are PostgreSQL's")
@pytest.mark.parametrize("text", ["dunn", "karl dunn", "li"])
def test_the_name_search_asks_the_trigram_indexes(text, parents):
    # The conditions must be written as the indexes are (UPPER(name) LIKE / =) for PostgreSQL to use
    # them; a short word included. With a handful of rows the planner would rightly read the table:
    # forbidding that shows which index it can take. (Which plan it picks at 100,000 parents depends
    # on the ordering too: see parents_matching.)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = parents_matching(text)[:21].explain()
    assert "incidents_parent_last_name_trgm" in plan and "incidents_parent_first_name_trgm" in plan


# --- the form, for a small school ---------------------------------------------------------------

def test_a_small_school_chooses_from_a_list_of_every_parent(client_for, office, parents):
    page = client_for(office).get("/concerns/new/").content.decode()
    # Tick boxes, not a multiple select: a phone has no Ctrl key to choose a second parent.
    assert '<select name="parents"' not in page and "Hold Ctrl" not in page
    assert page.count('type="checkbox" name="parents"') == len(parents)
    assert all(p.full_name in page for p in parents.values())
    assert "Find a parent by name" not in page


# --- the form, for a large school ---------------------------------------------------------------

def test_a_large_school_gets_a_search_box_instead_of_every_parent(client_for, office, parents, large_school):
    page = client_for(office).get("/concerns/new/").content.decode()
    assert "Find a parent by name" in page
    assert "Type part of a first or last name, then tick each parent concerned." in page
    assert "Hold Ctrl" not in page and "{#" not in page
    assert '<select name="parents"' not in page
    assert not any(p.full_name in page for p in parents.values())


def test_the_search_shows_each_match_with_their_childs_class(client_for, office, parents, large_school):
    page = client_for(office).get("/concerns/parents/", {"parent_search": "karl"}).content.decode()
    assert "Karl Dunn — child in Year 4" in page
    assert "Karl Dunn — child in Reception" in page
    assert "Adeyemi" not in page


def test_chosen_parents_stay_chosen_across_searches(client_for, office, parents, large_school):
    karl, ruth = parents["karl"], parents["ruth"]
    page = client_for(office).get("/concerns/parents/", {"parent_search": "adeyemi", "parents": [karl.pk]})
    html = page.content.decode()
    assert f'value="{karl.pk}" class="form-check-input" id="id_parents_0" checked' in html
    assert f'value="{ruth.pk}" class="form-check-input" id="id_parents_1">' in html


def test_a_search_finding_nobody_says_so(client_for, office, parents, large_school):
    page = client_for(office).get("/concerns/parents/", {"parent_search": "Zebedee"}).content.decode()
    assert "No parent’s name contains “Zebedee”" in page


def test_a_search_with_too_many_matches_asks_for_more_of_the_name(client_for, office, school, large_school,
                                                                   monkeypatch):
    monkeypatch.setattr(case_forms, "PARENT_MATCHES_SHOWN", 3)
    for _ in range(4):
        factories.ParentFactory(school=school, last_name="Morgan")
    page = client_for(office).get("/concerns/parents/", {"parent_search": "morgan"}).content.decode()
    assert page.count("Morgan") == 3
    assert "type more of the name" in page


def test_find_without_javascript_shows_the_matches_and_keeps_what_was_typed(client_for, office, parents,
                                                                             large_school):
    karl = parents["karl"]
    response = client_for(office).post("/concerns/new/", _concern_post(
        [karl.pk], parent_search="adeyemi", find_parents="1", description="Shouted at the gate."))
    page = response.content.decode()
    assert response.status_code == 200 and not Concern.objects.exists()
    assert "Shouted at the gate." in page and "07700 900001" in page
    assert "Ruth Adeyemi" in page  # the match
    assert f'value="{karl.pk}" class="form-check-input" id="id_parents_0" checked' in page  # still chosen
    assert "This field is required" not in page and "invalid-feedback" not in page


def test_a_large_school_logs_a_concern_about_the_parents_chosen(client_for, office, parents, large_school):
    karl, ruth = parents["karl"], parents["ruth"]
    response = client_for(office).post("/concerns/new/", _concern_post([karl.pk, ruth.pk]))
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.reference}/"
    assert set(case.parents.all()) == {karl, ruth}


def test_chosen_parents_stay_chosen_when_the_form_comes_back_with_an_error(client_for, office, parents,
                                                                           large_school):
    karl = parents["karl"]
    page = client_for(office).post("/concerns/new/", _concern_post([karl.pk], description="")).content.decode()
    assert "This field is required" in page
    assert f'value="{karl.pk}" class="form-check-input" id="id_parents_0" checked' in page
    assert not Concern.objects.exists()


def test_no_parent_chosen_says_so(client_for, office, parents, large_school):
    page = client_for(office).post("/concerns/new/", _concern_post([])).content.decode()
    assert "This field is required" in page
    assert not Concern.objects.exists()


def test_a_parent_of_another_school_cannot_be_chosen(client_for, office, parents, large_school, other_school):
    elsewhere = factories.ParentFactory(school=other_school, first_name="Karl", last_name="Dunnett")
    page = client_for(office).post("/concerns/new/", _concern_post([elsewhere.pk])).content.decode()
    assert "Select a valid choice" in page
    assert "Dunnett" not in page
    assert not Concern.objects.exists()


def test_a_large_school_is_still_offered_the_parents_open_case(client_for, office, parents, large_school,
                                                               log_concern):
    karl = parents["karl"]
    existing = log_concern(parents=[karl]).case
    client = client_for(office)
    hint = client.get("/concerns/open-cases/", {"parents": [karl.pk]}).content.decode()
    assert existing.reference in hint
    offered = client.post("/concerns/new/", _concern_post([karl.pk])).content.decode()
    assert f"add it to {existing.reference}" in offered
    assert f'value="{karl.pk}" class="form-check-input" id="id_parents_0" checked' in offered
    client.post("/concerns/new/", _concern_post([karl.pk], link_to=existing.reference, submission_token="token-2"))
    assert existing.concerns.count() == 2 and Case.objects.count() == 1


# --- the search view ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["dsl", "governor", "admin", "outsider"])
def test_only_people_who_log_concerns_may_search_parents(role, cast, client_for, parents):
    assert client_for(cast[role]).get("/concerns/parents/", {"parent_search": "karl"}).status_code == 403


def test_a_name_with_markup_is_shown_as_text(client_for, office, school):
    factories.ParentFactory(school=school, first_name="<script>alert(1)</script>", last_name="Evans")
    page = client_for(office).get("/concerns/parents/", {"parent_search": "evans"}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Evans" in page
    typed = client_for(office).get("/concerns/parents/", {"parent_search": "<b>x</b>"}).content.decode()
    assert "<b>x</b>" not in typed and "&lt;b&gt;x&lt;/b&gt;" in typed


def test_the_search_shows_no_contact_details_and_nothing_of_restricted_cases(client_for, office, head, parents,
                                                                             log_concern):
    karl = parents["karl"]
    karl.email, karl.phone, karl.postcode = "karl@example.org", "07700 900123", "ZZ9 9ZZ"
    karl.save()
    case = log_concern(parents=[karl], by=head).case
    case_services.case_update(case=case, by=head, expected_version=case.version, title="Secret matter")
    case_services.case_set_restricted(case=case, by=head, restricted=True, reason="Police involved.")
    page = client_for(office).get("/concerns/parents/", {"parent_search": "dunn"}).content.decode()
    assert "Karl Dunn" in page
    for hidden in ("karl@example.org", "07700 900123", "ZZ9 9ZZ", "Secret matter", case.reference):
        assert hidden not in page


def test_the_search_shows_only_parents_of_the_school(client_for, office, parents, other_school):
    factories.ParentFactory(school=other_school, first_name="Karl", last_name="Dunnett")
    chosen_elsewhere = factories.ParentFactory(school=other_school, first_name="Zed", last_name="Elsewhere")
    page = client_for(office).get("/concerns/parents/", {"parent_search": "dunn",
                                                         "parents": [chosen_elsewhere.pk]}).content.decode()
    assert "Karl Dunn" in page
    assert "Dunnett" not in page and "Elsewhere" not in page


def test_the_search_reads_a_fixed_number_of_queries(client_for, office, school, parents,
                                                    django_assert_max_num_queries):
    for i in range(30):
        factories.ParentFactory(school=school, last_name="Morgan").children.add(
            factories.ChildFactory(school=school, class_name=f"Year {i % 6 + 1}"))
    client = client_for(office)
    client.get("/concerns/parents/", {"parent_search": "morgan"})  # warm: first-request work is not the search's
    chosen = [parents["karl"].pk, parents["ruth"].pk]
    # Every signed-in request: session, user, two devices, roles, the session saved (3 with its
    # savepoint). The search: the school, the chosen parents, the matches, their children.
    with django_assert_max_num_queries(12):
        response = client.get("/concerns/parents/", {"parent_search": "morgan", "parents": chosen})
    assert response.content.decode().count("Morgan") == case_forms.PARENT_MATCHES_SHOWN


# --- the case list's "Parent's name" filter -----------------------------------------------------

def test_the_case_list_filters_by_part_of_a_parents_name(client_for, head, parents, log_concern):
    about_karl = log_concern(parents=[parents["karl"]]).case
    about_ruth = log_concern(parents=[parents["ruth"]]).case
    client = client_for(head)
    page = client.get("/cases/", {"parent": "karl dun"}).content.decode()
    assert about_karl.reference in page and about_ruth.reference not in page
    page = client.get("/cases/", {"parent": "ADEYEMI"}).content.decode()
    assert about_ruth.reference in page and about_karl.reference not in page


# --- the subject access request form (the Head Teacher's) ---------------------------------------

def test_a_small_school_chooses_whose_data_from_a_list(client_for, head, parents):
    page = client_for(head).get("/privacy/requests/").content.decode()
    assert '<select name="parent"' in page and "Ruth Adeyemi" in page
    assert "Find a parent by name" not in page


def test_a_large_school_finds_whose_data_by_name_and_records_the_request(client_for, head, parents,
                                                                         large_school):
    ruth = parents["ruth"]
    client = client_for(head)
    page = client.get("/privacy/requests/").content.decode()
    assert "Find a parent by name" in page and "Ruth Adeyemi" not in page
    found = client.get("/privacy/requests/parents/", {"parent_search": "adey"}).content.decode()
    assert f'type="radio" name="parent" value="{ruth.pk}"' in found
    page = client.post("/privacy/requests/", {"parent": ruth.pk, "received_on": "2026-11-02"}, follow=True)
    assert "Answer by 2 December 2026" in page.content.decode()
    assert ruth.access_requests.exists()


def test_find_on_the_request_form_keeps_what_was_typed(client_for, head, parents, large_school):
    page = client_for(head).post("/privacy/requests/", {
        "parent_search": "dunn", "find_parents": "1", "received_on": "2026-11-02", "how_received": "Letter by hand",
    }).content.decode()
    assert "Karl Dunn — child in Year 4" in page and "Letter by hand" in page
    assert "This field is required" not in page
    assert not parents["karl"].access_requests.exists()


def test_only_the_head_teacher_searches_parents_for_a_request(client_for, office, lead, parents):
    for user in (office, lead):
        assert client_for(user).get("/privacy/requests/parents/", {"parent_search": "karl"}).status_code == 403
