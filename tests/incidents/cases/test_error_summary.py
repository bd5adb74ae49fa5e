"""A form sent back with errors says so at its top ("There is a problem"), each error a link to its
field, as well as at the field: on the shared form page (crispy) and on the concern form."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    found = re.search(r'<div class="alert alert-danger error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert found, "no error summary"
    return found.group(1)


def test_the_case_form_summarises_its_errors_with_links_to_each_field(client_for, lead, case):
    html = client_for(lead).post(reverse("incidents:case_edit", args=[case.reference]), {
        "title": "", "summary": "x", "severity": "enormous", "version": case.version,
        "incident_date": "9999-12-31"}).content.decode()
    summary = _summary(html)
    assert "There is a problem" in summary
    assert '<a href="#id_title" class="alert-link">Title: This field is required.</a>' in summary
    assert 'href="#id_severity"' in summary and 'href="#id_incident_date"' in summary
    # …and each error is still at its field.
    assert 'id="id_title_error"' in html or "error_1_id_title" in html
    assert html.count("There is a problem") == 1
    # The summary comes before the first field.
    assert html.index("There is a problem") < html.index('id="id_title"')


def test_the_concern_form_links_a_missing_parent_to_the_first_tick_box(client_for, office, parent):
    html = client_for(office).post(reverse("incidents:concern_create"), {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "channel": "whatsapp",
        "description": ""}).content.decode()
    summary = _summary(html)
    assert 'href="#id_parents_0"' in summary and 'id="id_parents_0"' in html
    assert 'href="#id_description"' in summary


def test_a_form_without_errors_has_no_summary(client_for, lead, case):
    html = client_for(lead).get(reverse("incidents:case_edit", args=[case.reference])).content.decode()
    assert "There is a problem" not in html and "data-error-summary" not in html


def test_an_error_about_the_whole_form_is_summarised_without_a_link(client_for, office, settings):
    # The sign-in form's wrong password is about the form, not one field.
    from django.test import Client

    html = Client().post(reverse("login"), {"username": "office", "password": "wrong"}).content.decode()
    summary = _summary(html)
    assert "There is a problem" in summary
    assert re.search(r"<li>Please enter a correct username", summary)
