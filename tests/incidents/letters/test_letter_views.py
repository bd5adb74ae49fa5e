import re

import pytest
from django.urls import reverse

from incidents.cases import services as case_services
from incidents.decisions import services as decision_services
from incidents.letters import services as letter_services
from incidents.models import CaseEvent, Letter
from tests.incidents.letters.letter_setup import realistic_case


@pytest.fixture
def setup(school, office, lead):
    return realistic_case(school=school, office=office, lead=lead)


@pytest.fixture
def ready_letter(setup, lead, django_capture_on_commit_callbacks):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_request_pdf(letter=letter)
    letter.refresh_from_db()
    return letter


def test_letter_prepare_page_preselects_purpose_and_shows_parts(setup, lead, client_for):
    case, _ = setup
    url = reverse("incidents:letter_create", args=[case.reference])
    response = client_for(lead).get(url + "?purpose=meeting_invitation")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="meeting_invitation" selected' in page
    assert "Meeting date and time" in page and "Summary of the conduct" in page


def test_letter_prepare_drafts_and_previews_escaped(setup, lead, client_for):
    case, parent = setup
    client = client_for(lead)
    url = reverse("incidents:letter_create", args=[case.reference]) + "?purpose=warning"
    form = client.get(url).context["form"]
    response = client.post(url, {
        "submission_token": form.initial["submission_token"], "purpose": "warning", "recipient": str(parent.pk),
        "part_conduct_summary": "Posted a rude message.", "part_free_text": "<script>alert(1)</script>",
    }, follow=True)
    page = response.content.decode()
    assert "Letter drafted" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert Letter.objects.get().recipient_name == "Karl Dunn"


def test_letter_pages_and_pdf_are_404_for_a_case_the_user_cannot_see(ready_letter, outsider, governor, client_for):
    for user in (outsider, governor):
        client = client_for(user)
        for url in (reverse("incidents:letter_detail", args=[ready_letter.pk]),
                    reverse("incidents:letter_status", args=[ready_letter.pk]),
                    reverse("incidents:letter_pdf", args=[ready_letter.pk, ready_letter.pdf_filename])):
            assert client.get(url).status_code == 404, (user, url)
        assert ready_letter.case.reference not in client.get(reverse("incidents:letter_register")).content.decode()


def test_letter_pdf_download_for_a_user_who_sees_the_case(ready_letter, lead, client_for):
    url = reverse("incidents:letter_pdf", args=[ready_letter.pk, ready_letter.pdf_filename])
    assert url.endswith(f"/{ready_letter.case.reference}-{ready_letter.purpose.replace('_', '-')}-v1.pdf")
    response = client_for(lead).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_letter_register_lists_and_filters(ready_letter, lead, client_for):
    client = client_for(lead)
    page = client.get(reverse("incidents:letter_register")).content.decode()
    assert ready_letter.pdf_filename in page
    filtered = client.get(reverse("incidents:letter_register"), {"purpose": "ban_confirmed"}).content.decode()
    assert ready_letter.pdf_filename not in filtered
    by_status = client.get(reverse("incidents:letter_register"), {"status": "draft"}).content.decode()
    assert ready_letter.pdf_filename in by_status


def test_letter_register_pages_newest_first_and_says_when_it_stops(setup, lead, client_for, monkeypatch):
    from incidents.cases.paging import CappedPaginator

    case, parent = setup
    letters = [letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent) for _ in range(28)]
    client = client_for(lead)
    first = client.get(reverse("incidents:letter_register")).content.decode()
    shown = [int(pk) for pk in re.findall(r'href="/letters/(\d+)/"', first)]
    assert shown == sorted(shown, reverse=True) and len(shown) == 25  # newest first, one page
    assert letters[-1].pk in shown and letters[0].pk not in shown
    assert 'data-testid="capped"' not in first
    monkeypatch.setattr(CappedPaginator, "cap", 26)
    second = client.get(reverse("incidents:letter_register"), {"page": 2}).content.decode()
    assert len(re.findall(r'href="/letters/(\d+)/"', second)) == 1 and 'data-testid="capped"' in second


def test_letter_status_fragment_polls_while_pending(setup, lead, client_for):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    Letter.objects.filter(pk=letter.pk).update(render_state=Letter.RenderState.PENDING)
    page = client_for(lead).get(reverse("incidents:letter_status", args=[letter.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Preparing the PDF…" in page and "No PDF yet" not in page
    Letter.objects.filter(pk=letter.pk).update(render_state=Letter.RenderState.FAILED, render_error="Broken font")
    page = client_for(lead).get(reverse("incidents:letter_status", args=[letter.pk])).content.decode()
    assert "hx-trigger" not in page and "Broken font" in page


def test_letter_approve_is_head_only_and_issue_by_office(ready_letter, lead, head, office, client_for):
    approve = reverse("incidents:letter_approve", args=[ready_letter.pk])
    assert client_for(lead).post(approve).status_code == 403
    client_for(head).post(approve)
    ready_letter.refresh_from_db()
    assert ready_letter.status == Letter.Status.APPROVED
    response = client_for(lead).post(reverse("incidents:letter_issue", args=[ready_letter.pk]),
                                     {"method": "post", "submission_token": "t1"}, follow=True)
    ready_letter.refresh_from_db()
    assert ready_letter.status == Letter.Status.ISSUED and "Letter issued" in response.content.decode()
    case_page = client_for(lead).get(ready_letter.case.get_absolute_url()).content.decode()
    assert "Letter issued" in case_page and "Prepare a letter" in case_page
    assert ready_letter.case.events.filter(kind=CaseEvent.Kind.LETTER).count() == 3


def test_letter_issue_without_email_address_shows_plain_message(setup, lead, head, client_for,
                                                               django_capture_on_commit_callbacks):
    case, parent = setup
    parent.email = ""
    parent.save()
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_request_pdf(letter=letter)
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    response = client_for(lead).post(reverse("incidents:letter_issue", args=[letter.pk]),
                                     {"method": "email", "submission_token": "t2"}, follow=True)
    assert "Karl Dunn has no e-mail address on this letter" in response.content.decode()
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.APPROVED



def test_a_decided_warning_shows_preparing_its_notice_next_to_the_decision(client_for, lead, head, school,
                                                                           log_concern):
    from policies.defaults import load_defaults
    from policies.models import ResponseType

    load_defaults(school=school)
    case = log_concern(by=lead).case
    case_services.case_transition(case=case, to="investigating", by=lead)
    # The list of templates starts with the acknowledgement: the link must not fall back to it.
    warning = ResponseType.objects.get(school=school, code="warning")
    decision_services.recommendation_submit(case=case, by=lead, responses=[warning], clauses=[], facts_found="x",
                                            reasons="y")
    decision = decision_services.decision_record(case=case, by=head, reasons="Proportionate.", responses=[warning])
    sanction = decision.sanctions.get()
    page = client_for(lead).get(f"/cases/{case.reference}/").content.decode()
    assert "Prepare the cautionary notice" in page and "Letter needed" in page
    link = f"/cases/{case.reference}/letters/new/?step=sanction-{sanction.pk}"
    assert link in page
    form = client_for(lead).get(link).content.decode()
    assert "Letter: <strong>Cautionary notice</strong>" in form and 'id="purpose-choice"' not in form


@pytest.mark.parametrize("role", ["office", "lead", "head", "governor", "outsider"])
def test_the_register_lists_exactly_the_letters_of_cases_the_user_may_see(role, ready_letter, request, client_for):
    from incidents.letters.selectors import letters_visible_to

    user = request.getfixturevalue(role)
    expected = set(letters_visible_to(user).values_list("pk", flat=True))
    assert set(letters_visible_to(user, for_page=True).values_list("pk", flat=True)) == expected
    assert (ready_letter.pk in expected) is (role in ("office", "lead", "head"))  # office logged it
    page = client_for(user).get(reverse("incidents:letter_register")).content.decode()
    assert (ready_letter.case.reference in page) is (role in ("office", "lead", "head"))
