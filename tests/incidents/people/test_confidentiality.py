"""An anonymous raiser is anonymous to the parent, not to the school: staff see them, the parent never does."""

import io
import re

import pytest
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from incidents.cases import services as case_services
from incidents.evidence import services as evidence_services
from incidents.letters import context as letter_context_module
from incidents.letters import services as letter_services
from incidents.models import Letter
from incidents.people.confidentiality import RAISER, ParentFacing, parent_facing
from policies.templating import validate_letter_template
from tests import factories
from tests.incidents.letters.letter_setup import realistic_case

pytestmark = pytest.mark.django_db

RAISER_NAME = "Ruth Adeyemi"
RAISER_PHONE = "07700 900123"


def _no_raiser(text: str) -> None:
    flat = " ".join(text.split()).casefold()
    assert "adeyemi" not in flat
    assert "900123" not in re.sub(r"\D", "", text)


@pytest.fixture
def anonymous_case(school, office, lead):
    """The realistic letter case, raised by Ruth Adeyemi who asked to remain anonymous."""
    case, parent = realistic_case(school=school, office=office, lead=lead)
    concern = case.concerns.get()
    concern.raised_anonymously = True
    concern.raised_by_contact = RAISER_PHONE
    concern.save()
    return case, parent


def test_the_parent_facing_view_names_the_raiser_whatever_their_case_and_spacing(anonymous_case):
    case, _ = anonymous_case
    facing = parent_facing(case)
    assert facing.person("  ruth   ADEYEMI ") == RAISER
    assert facing.person("Ruth Adeyemison") == "Ruth Adeyemison"
    assert facing.text("RUTH\n adeyemi said call 07700900123 or +44 (0)7700 900 123.") == (
        f"{RAISER} said call [contact details withheld] or [contact details withheld].")
    assert facing.mentions("I spoke to ruth adeyemi") == ["ruth adeyemi"]


def test_a_raiser_who_did_not_ask_for_anonymity_is_not_rewritten(log_concern, parent):
    case = log_concern(parents=[parent], raised_by_name="Open Person").case
    assert parent_facing(case).person("Open Person") == "Open Person"
    assert ParentFacing().text("Open Person") == "Open Person"


def test_staff_see_the_raiser_as_provider_and_author_marked_confidential(client_for, anonymous_case, office, lead):
    case, _ = anonymous_case
    evidence_services.evidence_add(case=case, by=office, data=factories.PNG, file_name="shot.png",
                                   provided_by="ruth  adeyemi", provided_at=timezone.now())
    evidence_services.statement_add(case=case, by=lead, given_by="RUTH ADEYEMI", given_on=timezone.localdate(),
                                    text="I saw the post on Monday.")
    page = client_for(lead).get(f"/cases/{case.reference}/").content.decode()
    assert f'raised by <span data-testid="raiser">{RAISER_NAME}</span> ({RAISER_PHONE})' in page
    assert page.count("Confidential: not to be disclosed to the parent") >= 4  # concern, evidence, statement, events
    assert "ruth  adeyemi" in page and "RUTH ADEYEMI" in page


@pytest.mark.parametrize("typed", ["Ruth Adeyemi sent this", "ruth   adeyemi sent this", "call 07700900123"])
def test_staff_are_warned_when_a_description_they_type_names_the_raiser(client_for, anonymous_case, office, typed):
    case, _ = anonymous_case
    response = client_for(office).post(f"/cases/{case.reference}/evidence/new/", {
        "file": _png(), "provided_by": "The school office", "provided_at": "2026-11-02T10:00",
        "obtained": "screenshot", "description": typed, "submission_token": "t1",
    }, follow=True)
    page = response.content.decode()
    assert "who raised the concern and asked to remain anonymous" in page
    assert 'data-testid="raiser-warnings"' in page


def test_no_warning_when_nothing_names_the_raiser(client_for, anonymous_case, office):
    case, _ = anonymous_case
    response = client_for(office).post(f"/cases/{case.reference}/evidence/new/", {
        "file": _png(), "provided_by": "The school office", "provided_at": "2026-11-02T10:00",
        "obtained": "screenshot", "description": "A screenshot of the post", "submission_token": "t1",
    }, follow=True)
    page = response.content.decode()
    assert "who raised the concern and asked to remain anonymous" not in page
    assert 'data-testid="raiser-warnings"' not in page


def test_staff_are_warned_when_a_statement_names_the_raiser(client_for, anonymous_case, lead):
    case, _ = anonymous_case
    response = client_for(lead).post(f"/cases/{case.reference}/statements/new/", {
        "given_by": "Amy Class-Teacher", "given_on": "2026-11-02",
        "text": "Ruth Adeyemi showed me the post.", "submission_token": "t2",
    }, follow=True)
    assert "The statement names Ruth Adeyemi" in response.content.decode()


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile
    return SimpleUploadedFile("shot.png", factories.PNG, content_type="image/png")


def _pdf_text(letter) -> str:
    with letter.pdf.open("rb") as handle:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_a_letter_to_the_parent_withholds_the_raiser_typed_anywhere(
        anonymous_case, lead, head, office, django_capture_on_commit_callbacks, mailoutbox):
    case, parent = anonymous_case
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent, parts={
        "conduct_summary": "Ruth  ADEYEMI (07700 900 123) reported that Mr Dunn posted about Mrs Patel.",
        "free_text": "We spoke to ruth adeyemi about this.",
    })
    _no_raiser(letter.html + letter.subject)
    assert f"{RAISER} ([contact details withheld]) reported" in letter.html
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        letter_services.letter_request_pdf(letter=letter)
    letter.refresh_from_db()
    text = _pdf_text(letter)
    _no_raiser(text)
    assert "the person who raised the concern" in " ".join(text.split())
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=office, method="email")
    sent = [mail for mail in mailoutbox if mail.to == [parent.email]]
    assert sent
    for mail in sent:
        _no_raiser(mail.subject + mail.body)


def test_a_letter_template_cannot_reach_the_raiser(anonymous_case):
    case, parent = anonymous_case
    for attempt in ("{{ concern.raised_by_name }}", "{{ raised_by_name }}", "{{ case.concerns.0.raised_by_name }}",
                    "{{ raised_by_contact }}", "{% for c in concerns %}{{ c.raised_by_name }}{% endfor %}"):
        assert validate_letter_template(attempt), attempt
    context = letter_context_module.letter_context(
        case=case, parent=parent, parts={"conduct_summary": "Ruth Adeyemi told us."}, today=timezone.localdate(),
        recipient={"full_name": parent.full_name})
    _no_raiser(repr(context))


def test_a_letter_to_the_raiser_is_still_addressed_to_them(anonymous_case, lead):
    case, _ = anonymous_case
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient_details={
        "full_name": RAISER_NAME, "salutation": "Mrs Adeyemi"})
    assert letter.recipient_name == RAISER_NAME and f"<p>{RAISER_NAME}<br>" in letter.html


def test_a_second_anonymous_concern_on_the_case_is_withheld_too(anonymous_case, office, lead):
    case, parent = anonymous_case
    case_services.concern_log(school=case.school, by=office, received_at=timezone.now(), channel="phone",
                              description="Another report.", parents=[parent], raised_by_name="Bola Ade",
                              raised_anonymously=True, link_to=case)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent, parts={
        "free_text": "Bola Ade and Ruth Adeyemi both reported it."})
    assert "Bola" not in letter.html
    _no_raiser(letter.html)


def test_every_email_about_an_anonymous_concern_leaves_the_raiser_out(
        client_for, office, head, lead, dsl, parent, django_capture_on_commit_callbacks, mailoutbox):
    from incidents.models import Concern, Notification

    with django_capture_on_commit_callbacks(execute=True):
        client_for(office).post("/concerns/new/", {
            "received_at": "2026-11-02T10:00", "channel": "phone", "raised_by_name": RAISER_NAME,
            "raised_by_contact": RAISER_PHONE, "raised_anonymously": "on", "parents": [parent.pk],
            "description": "Ruth Adeyemi says Karl Dunn shouted at the gate.", "safeguarding": "on",
            "submission_token": "t3"})
    assert Concern.objects.get().raised_anonymously
    notifications = list(Notification.objects.all())
    assert notifications  # the concern and the safeguarding flag were notified
    for notification in notifications:
        _no_raiser(notification.subject + notification.body)
    for mail in mailoutbox:
        _no_raiser(mail.subject + mail.body)


def test_a_quoted_chat_message_by_the_raiser_is_withheld_even_when_members_are_shown(anonymous_case):
    case, _ = anonymous_case
    context = parent_facing(case).data({
        "recipient": {"full_name": RAISER_NAME},
        "quoted_messages": [{"author": "ruth adeyemi", "text": "Call me on 07700900123", "clause": "3.1"}],
    }, keep=frozenset({"recipient"}))
    assert context["recipient"]["full_name"] == RAISER_NAME
    assert context["quoted_messages"][0] == {"author": RAISER, "text": "Call me on [contact details withheld]",
                                             "clause": "3.1"}
