import io

import pytest
from pypdf import PdfReader

from policies.defaults import load_defaults

STAFF = ["office", "lead", "head", "dsl", "governor", "admin"]


@pytest.fixture
def school_with_policy(school):
    load_defaults(school=school)
    return school


@pytest.mark.parametrize("role", STAFF)
def test_policy_page_shows_the_adopted_policy_grouped_by_kind(role, cast, client_for, school_with_policy):
    response = client_for(cast[role]).get("/policy/")
    assert response.status_code == 200
    html = response.content.decode()
    guidelines = html.index("Guideline for group members")
    expectations = html.index("Expectation of all parents and carers")
    inappropriate = html.index("Inappropriate activity")
    assert guidelines < expectations < inappropriate
    assert "Do not post screenshots of messages from teachers" in html
    assert "Threatening or intimidating behaviour" in html[inappropriate:]


def test_policy_page_needs_sign_in(client, school_with_policy):
    response = client.get("/policy/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert client.get("/policy/pdf/").status_code == 302


def test_policy_page_refuses_someone_with_no_role(client_for, outsider, school_with_policy):
    assert client_for(outsider).get("/policy/").status_code == 403
    assert client_for(outsider).get("/policy/pdf/").status_code == 403


def test_policy_page_says_when_nothing_is_adopted(client_for, office, school):
    response = client_for(office).get("/policy/")
    assert "has not adopted a code of conduct yet" in response.content.decode()


@pytest.mark.parametrize("role", ["office", "governor"])
def test_policy_pdf_is_an_a4_pdf_with_the_clauses(role, cast, client_for, school_with_policy):
    response = client_for(cast[role]).get("/policy/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="policy-v1.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Hillside Primary School" in text
    assert "Do not post screenshots of messages" in text
    assert "Abusive e-mails to members of staff" in text
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_policy_nav_link_is_shown_to_staff(client_for, lead, school):
    assert 'href="/policy/"' in client_for(lead).get("/").content.decode()


def test_policy_page_offers_import_to_administrators_only(client_for, administrator, office, school_with_policy):
    assert 'href="/policy/import/"' in client_for(administrator).get("/policy/").content.decode()
    assert 'href="/policy/import/"' not in client_for(office).get("/policy/").content.decode()
