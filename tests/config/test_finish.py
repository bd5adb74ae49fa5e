"""The finish every page shares: the favicon, the page's name in the tab, dates as the school writes
them, and file fingerprints folded away until asked for."""

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from incidents.evidence import services as evidence_services
from tests import factories

pytestmark = pytest.mark.django_db


def test_favicon_is_served_without_signing_in(plain_client):
    response = plain_client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file's signature


def test_favicon_is_linked_from_every_page_and_its_files_exist(client_for, head, plain_client):
    for page in (client_for(head).get("/").content.decode(), plain_client.get("/accounts/login/").content.decode()):
        links = re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="/static/([^"]+)"', page)
        assert {"favicon.svg", "favicon-32.png", "apple-touch-icon.png"} <= set(links)
    for name in ("favicon.svg", "favicon-32.png", "apple-touch-icon.png", "favicon.ico"):
        assert finders.find(name), name


def test_tab_names_the_page_then_casebook(client_for, head, case):
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    assert f"<title>{case.reference} — Casebook</title>" in page
    assert "<title>Home — Casebook</title>" in client_for(head).get("/").content.decode()


def test_case_page_dates_are_written_the_schools_way(client_for, head, case):
    case.incident_date = datetime.date(2026, 12, 4)
    case.save()
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    assert "4 Dec 2026" in page
    assert "4 December 2026" not in page and "2026-12-04<" not in page


def test_evidence_fingerprint_is_folded_away(client_for, head, lead, case):
    item = evidence_services.evidence_add(case=case, by=lead, data=factories.PNG, file_name="screenshot.png",
                                          provided_by="Ruth Adeyemi", provided_at=timezone.now())
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    assert page.count(item.sha256) == 1
    folded = re.search(r"<details[^>]*>(?:(?!</details>).)*</details>", page[page.index("screenshot.png"):], re.S)
    assert folded and item.sha256 in folded.group(0) and "<summary>Show fingerprint</summary>" in folded.group(0)
    assert "<details" in folded.group(0) and " open" not in folded.group(0).split(">", 1)[0]
    assert ">SHA-256</th>" not in page
