"""Long downloads tell the page when they are done (a token echoed in a cookie), so its "Preparing…"
never outlives the file; a letter's PDF shows "Preparing the PDF…" until it is ready, with or without
JavaScript."""

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.downloads import DOWNLOAD_COOKIE
from incidents.letters import services as letter_services
from incidents.models import Letter

pytestmark = pytest.mark.django_db


def test_the_termly_report_sets_the_pages_token_once_it_is_made(client_for, governor, school):
    response = client_for(governor).get(reverse("incidents:report_termly_pdf"), {"download_token": "a1b2c3d4e5f6"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    cookie = response.cookies[DOWNLOAD_COOKIE]
    assert cookie.value == "a1b2c3d4e5f6" and cookie["samesite"] == "Strict" and not cookie["httponly"]


@pytest.mark.parametrize("token", ["", "short", "<script>alert(1)</script>", "a" * 41, "abc def ghi"])
def test_a_missing_or_strange_token_is_not_echoed(client_for, governor, school, token):
    response = client_for(governor).get(reverse("incidents:report_termly_pdf"), {"download_token": token})
    assert response.status_code == 200
    assert DOWNLOAD_COOKIE not in response.cookies


def test_the_subject_access_export_sets_the_pages_token(client_for, head, parent):
    from incidents.records import services as record_services

    access_request = record_services.subject_access_request_record(parent=parent, received_on=timezone.localdate(),
                                                                   by=head)
    response = client_for(head).post(reverse("incidents:subject_access_export", args=[access_request.pk]),
                                     {"redact_others": "on", "download_token": "0123456789abcdef"})
    assert response["Content-Type"] == "application/zip"
    assert response.cookies[DOWNLOAD_COOKIE].value == "0123456789abcdef"


def test_the_pages_offer_their_progress_message(client_for, head, governor, school, parent):
    from incidents.records import services as record_services

    record_services.subject_access_request_record(parent=parent, received_on=timezone.localdate(), by=head)
    page = client_for(governor).get(reverse("incidents:reports")).content.decode()
    assert 'data-busy="Preparing the termly report…" data-download' in page
    page = client_for(head).get(reverse("incidents:subject_access_list")).content.decode()
    assert 'data-busy="Preparing the export…" data-download' in page


def test_a_letter_being_prepared_says_so_and_refreshes_itself_without_javascript(client_for, lead, case, parent):
    from policies.defaults import load_defaults

    load_defaults(school=case.school)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    client = client_for(lead)
    page = client.get(reverse("incidents:letter_detail", args=[letter.pk])).content.decode()
    assert "No PDF yet." in page
    # The message shown while the request to prepare it runs (htmx marks the block busy).
    assert 'class="mb-0 when-busy" data-testid="render-requested"' in page
    Letter.objects.filter(pk=letter.pk).update(render_state=Letter.RenderState.PENDING)
    page = client.get(reverse("incidents:letter_detail", args=[letter.pk])).content.decode()
    assert "Preparing the PDF…" in page and "No PDF yet." not in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    Letter.objects.filter(pk=letter.pk).update(render_state=Letter.RenderState.READY)
    page = client.get(reverse("incidents:letter_detail", args=[letter.pk])).content.decode()
    assert "http-equiv" not in page
