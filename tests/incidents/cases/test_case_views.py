import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.evidence import services as evidence_services
from incidents.models import Case, Concern, Evidence
from incidents.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def _concern_post(parent, **overrides):
    data = {
        "received_at": (timezone.localtime() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "whatsapp", "raised_by_name": "Ruth Adeyemi", "raised_by_contact": "07700 900001",
        "parents": [parent.pk], "description": "Called the deputy head useless in the Year 4 group.",
        "submission_token": "token-1",
    }
    data.update(overrides)
    return data


def test_office_logs_a_concern_and_lands_on_the_new_case(client_for, office, parent):
    client = client_for(office)
    assert "Log a concern" in client.get("/concerns/new/").content.decode()
    response = client.post("/concerns/new/", _concern_post(parent), follow=True)
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == f"/cases/{case.reference}/"
    page = response.content.decode()
    assert f"Concern logged on {case.reference}" in page
    assert "Called the deputy head useless" in page
    assert case.created_by == office


def test_a_double_submitted_concern_creates_one_record(client_for, office, parent):
    client = client_for(office)
    first = client.post("/concerns/new/", _concern_post(parent))
    second = client.post("/concerns/new/", _concern_post(parent))
    assert Concern.objects.count() == 1 and Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_concern_about_a_parent_with_an_open_case_offers_to_link(client_for, office, parent, log_concern):
    existing = log_concern(parents=[parent]).case
    client = client_for(office)
    offered = client.post("/concerns/new/", _concern_post(parent))
    assert offered.status_code == 200
    assert f"add it to {existing.reference}" in offered.content.decode()
    assert "Nothing is saved yet: choose whether to add the concern" in offered.content.decode()
    assert "This field is required" not in offered.content.decode()
    assert Concern.objects.count() == 1
    client.post("/concerns/new/", _concern_post(parent, link_to=existing.reference, submission_token="token-2"))
    assert existing.concerns.count() == 2 and Case.objects.count() == 1


def test_staff_see_who_raised_an_anonymous_concern_and_how_to_reach_them(client_for, office, head, parent):
    client_for(office).post("/concerns/new/", _concern_post(parent, raised_anonymously="on",
                                                            raised_by_name="Secret Person",
                                                            raised_by_contact="07700 900123"))
    case = Case.objects.get()
    page = client_for(head).get(f"/cases/{case.reference}/").content.decode()
    assert "raised by <span data-testid=\"raiser\">Secret Person</span> (07700 900123)" in page
    assert "Confidential: not to be disclosed to the parent" in page


def test_a_concern_with_a_missing_description_says_so_and_keeps_the_input(client_for, office, parent):
    response = client_for(office).post("/concerns/new/", _concern_post(parent, description=""))
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert "Ruth Adeyemi" in response.content.decode()
    assert not Concern.objects.exists()


def test_governors_and_safeguarding_lead_cannot_log_concerns(client_for, governor, dsl):
    assert client_for(governor).get("/concerns/new/").status_code == 403
    assert client_for(dsl).get("/concerns/new/").status_code == 403


def test_case_page_shows_one_chronology_in_time_order(client_for, case, lead):
    now = timezone.now()
    evidence_services.contact_record(case=case, by=lead, happened_at=now - datetime.timedelta(minutes=30),
                                     with_whom="Karl Dunn", method="phone", summary="Spoke to the parent.")
    case_services.case_transition(case=case, to="investigating", by=lead)
    page = client_for(lead).get(f"/cases/{case.reference}/").content.decode()
    timeline = page[page.index('data-testid="timeline"'):]
    order = [timeline.index(text) for text in ["Concern received", "Phone call with Karl Dunn", "New → Investigating"]]
    assert order == sorted(order)


def test_case_list_filters_searches_sorts_and_pages(client_for, head, log_concern, school):
    for i in range(30):
        log_concern(description=f"Ordinary concern {i}")
    special = log_concern(description="Mentioned the unicorn costume").case
    case_services.case_update(case=special, by=head, expected_version=special.version, severity="high")
    client = client_for(head)
    first_page = client.get("/cases/").content.decode()
    assert 'data-testid="case-count">31<' in first_page and "Page 1 of 2" in first_page
    assert 'data-testid="status-counts"' in first_page
    found = client.get("/cases/", {"q": "unicorn"}).content.decode()
    assert special.reference in found and 'data-testid="case-count">1<' in found
    assert 'data-testid="status-counts"' not in found  # a filtered page shows its own total only
    assert 'data-testid="case-count">31<' in client.get("/cases/", {"page": 2}).content.decode()
    high = client.get("/cases/", {"severity": "high"}).content.decode()
    assert 'data-testid="case-count">1<' in high
    by_reference = client.get("/cases/", {"sort": "reference"}).content.decode()
    assert by_reference.index(f"HIL-{timezone.localdate().year}-0001") < by_reference.index(
        f"HIL-{timezone.localdate().year}-0002")


@pytest.mark.parametrize("who", ["head", "office"])
def test_a_filtered_list_under_the_cap_pages_through_what_it_may_show_in_order(client_for, cast, log_concern, who):
    cases = [log_concern(by=cast["office"], description=f"Ordinary concern {i}").case for i in range(30)]
    elsewhere = log_concern(by=factories.UserFactory(role=Role.OFFICE), description="Ordinary concern too").case
    log_concern(by=cast["office"], description="Something else")
    if who == "head":  # sees the other office's case too: it comes last by reference
        cases.append(elsewhere)
    client = client_for(cast[who])
    pages = [client.get("/cases/", {"q": "ordinary", "sort": "reference", "page": n}).content.decode()
             for n in (1, 2)]
    assert all(f'data-testid="case-count">{len(cases)}<' in page and "more than" not in page for page in pages)
    shown = [[case.reference for case in cases if f'href="/cases/{case.reference}/"' in page] for page in pages]
    assert [len(shown[0]), len(shown[1])] == [25, len(cases) - 25]  # each case once, on one page
    positions = [pages[0].index(f'href="/cases/{reference}/"') for reference in shown[0]]
    assert positions == sorted(positions)  # in reference order, as asked
    if who == "office":
        assert all(elsewhere.reference not in page for page in pages)
    newest_first = client.get("/cases/", {"q": "ordinary", "sort": "-reference"}).content.decode()
    assert newest_first.index(cases[-1].reference) < newest_first.index(cases[-2].reference)


def test_a_filter_matching_more_than_the_cap_says_so_and_offers_only_the_first(
        client_for, head, log_concern, monkeypatch):
    from incidents.cases.paging import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 30)
    for i in range(32):
        log_concern(description=f"Ordinary concern {i}")
    page = client_for(head).get("/cases/", {"q": "ordinary"}).content.decode()
    assert 'data-testid="case-count">more than 30<' in page
    assert "Page 1 of 2+" in page and 'data-testid="capped"' in page
    last = client_for(head).get("/cases/", {"q": "ordinary", "page": 2}).content.decode()
    assert last.count('href="/cases/HIL-') == 5  # rows 26–30 of 32; the last two are beyond the cap
    exact = client_for(head).get("/cases/", {"q": "concern 3"}).content.decode()
    assert 'data-testid="case-count">' in exact and "more than" not in exact


def test_opened_from_and_to_count_whole_days_in_the_schools_time_zone(client_for, head, log_concern):
    late = log_concern(description="Late evening concern").case
    # 23:30 in London on 1 July (BST) is 22:30 UTC: still 1 July for the school.
    Case.objects.filter(pk=late.pk).update(
        opened_at=timezone.make_aware(datetime.datetime(2026, 7, 1, 23, 30)))
    client = client_for(head)

    def listed(**params):
        return late.reference in client.get("/cases/", params).content.decode()

    assert listed(opened_from="2026-07-01", opened_to="2026-07-01")
    assert not listed(opened_from="2026-07-02")
    assert not listed(opened_to="2026-06-30")


def test_the_filter_form_keeps_what_was_chosen_and_explains_a_bad_value(client_for, head, lead):
    page = client_for(head).get("/cases/", {"status": "closed", "q": "a<b", "lead": "999999",
                                             "sort": "-opened"}).content.decode()
    assert '<label for="id_status" class="form-label">Status</label>' in page
    assert '<option value="closed" selected>Closed</option>' in page
    assert '<option value="-opened" selected>' in page
    assert 'name="q" id="id_q" value="a&lt;b"' in page
    assert f'<option value="{lead.pk}">' in page  # leads are offered
    assert 'aria-invalid="true" aria-describedby="id_lead_error"' in page
    assert "Select a valid choice" in page


def test_case_list_queries_do_not_grow_with_the_number_of_cases(client_for, head, log_concern):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)
    client.get("/cases/")  # the first page after signing in stamps the session; later ones within a minute don't
    log_concern(description="Concern first")
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/", {"q": "concern"})
    for i in range(25):
        log_concern(description=f"Concern {i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/cases/", {"q": "concern"})
    assert len(many) == len(few) <= 15


def test_two_people_editing_the_second_is_told_what_changed(client_for, case, lead, head):
    form = {"title": case.title, "summary": "", "severity": "medium", "lead": lead.pk,
            "incident_date": case.incident_date.isoformat(), "version": case.version}
    client_for(head).post(f"/cases/{case.reference}/edit/", {**form, "severity": "high"})
    response = client_for(lead).post(f"/cases/{case.reference}/edit/", {**form, "title": "Lead's title"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this case" in page
    assert "Severity" in page and "High" in page
    assert "Lead&#x27;s title" in page  # the lead's own edit is still in the form
    case.refresh_from_db()
    assert case.severity == "high" and case.title != "Lead's title"


def test_field_history_is_one_click_away(client_for, case, head):
    case_services.case_update(case=case, by=head, expected_version=case.version, severity="high")
    page = client_for(head).get(f"/cases/{case.reference}/history/").content.decode()
    assert "<strong>Severity</strong>: Medium → High" in page and head.display_name in page


def test_moving_a_case_through_the_page_and_an_illegal_move(client_for, case, lead):
    client = client_for(lead)
    client.post(f"/cases/{case.reference}/status/", {"to": "investigating"})
    case.refresh_from_db()
    assert case.status == "investigating"
    response = client.post(f"/cases/{case.reference}/status/", {"to": "closed"}, follow=True)
    assert "Give a reason" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "investigating"


def test_a_wrong_file_type_gets_a_clear_message_and_nothing_is_kept(client_for, office, log_concern):
    case = log_concern(by=office).case
    upload = SimpleUploadedFile("photo.png", b"<svg onload=alert(1)></svg>", content_type="image/png")
    response = client_for(office).post(f"/cases/{case.reference}/evidence/new/", {
        "file": upload, "provided_by": "x", "provided_at": "2026-10-12T21:20", "obtained": "other",
        "submission_token": "ev-2",
    })
    assert response.status_code == 200
    assert "SVG images cannot be added" in response.content.decode()
    assert not Evidence.objects.exists()


def test_parent_page_lists_only_visible_cases(client_for, office, parent, log_concern, school):
    mine = log_concern(by=office, parents=[parent]).case
    other_office = factories.UserFactory(username="office2", role="Office staff")
    theirs = log_concern(by=other_office, parents=[parent]).case
    page = client_for(office).get(f"/parents/{parent.pk}/").content.decode()
    assert mine.reference in page and theirs.reference not in page
