"""The parent's own letter page (and the PDF it offers) never names a raiser who asked to remain
anonymous, even where staff typed the name into what the letter says; staff still see the name."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from incidents.decisions import sanctions
from incidents.letters import services as letter_services
from incidents.models import Sanction
from incidents.people.confidentiality import RAISER
from tests.incidents.letters.letter_setup import decided_sanction, realistic_case
from tests.incidents.parents.setup import issue_by_email, page_path_in

pytestmark = pytest.mark.django_db
REASONS = "Shouted at the deputy head, as Ruth Adeyemi (07700 900123) saw from the gate."


def _shows_raiser(text: str) -> bool:
    return "adeyemi" in text.casefold() or "900123" in re.sub(r"\D", "", text)


@pytest.fixture
def page_of_an_anonymous_case(school, office, lead, head, django_capture_on_commit_callbacks, mailoutbox):
    """(case, path): a provisional ban whose reasons name the anonymous raiser, its letter e-mailed."""
    case, parent = realistic_case(school=school, office=office, lead=lead)
    case.concerns.update(raised_anonymously=True, raised_by_contact="07700 900123")
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    today = timezone.localdate()
    step = sanctions.sanction_transition(sanction=ban, to=Sanction.State.PROVISIONAL, by=head, on=today, details={
        "reasons": REASONS, "starts_on": today, "representations_due": today + datetime.timedelta(days=14),
        "conditions": "Side gate only."})
    letter = letter_services.letter_start(case=case, purpose="provisional_ban", by=lead, recipient=parent, step=step)
    issue_by_email(letter, head=head, by=office, capture=django_capture_on_commit_callbacks)
    [message] = [m for m in mailoutbox if m.to == [parent.email]]
    return case, page_path_in(message.body)


def test_the_parents_page_and_its_pdf_withhold_the_raiser(page_of_an_anonymous_case, plain_client):
    _case, path = page_of_an_anonymous_case
    page = " ".join(plain_client.get(path).content.decode().split())
    assert f"Shouted at the deputy head, as {RAISER} ([contact details withheld]) saw from the gate." in page
    assert not _shows_raiser(page)
    response = plain_client.get(path + "letter.pdf")
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "as the person who raised the concern" in text and not _shows_raiser(text)


def test_staff_still_see_the_raiser_in_what_they_typed(page_of_an_anonymous_case, client_for, lead):
    case, _path = page_of_an_anonymous_case
    page = client_for(lead).get(case.get_absolute_url()).content.decode()
    assert REASONS in page
    assert 'raised by <span data-testid="raiser">Ruth Adeyemi</span> (07700 900123)' in page
