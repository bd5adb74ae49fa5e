import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from pypdf import PdfReader

from incidents.letters import services as letter_services
from incidents.models import CaseEvent, Letter
from policies import pdf
from policies.defaults import DEFAULT_LETTERS
from tests.incidents.letters.letter_setup import realistic_case


@pytest.fixture
def setup(school, office, lead):
    return realistic_case(school=school, office=office, lead=lead)


def _pdf_ready(letter, capture):
    with capture(execute=True), transaction.atomic():
        letter_services.letter_request_pdf(letter=letter)
    letter.refresh_from_db()
    return letter


def _pdf_text(letter) -> str:
    with letter.pdf.open("rb") as handle:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_letter_pdf_has_letterhead_parent_reference_and_conduct(setup, lead, django_capture_on_commit_callbacks):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    assert letter.render_state == Letter.RenderState.READY
    text = " ".join(_pdf_text(letter).split())
    assert "Karl Dunn" in text and case.reference in text
    assert "posted in the Year 4 parents group that Mrs Patel is useless" in text
    assert "Hillside Primary School" in text and "01234 567890" in text and "Helen Hart" in text
    assert "clause 1.1: “Do not use the group to raise grievances" in text
    with letter.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == letter.sha256
    assert PdfReader(letter.pdf.path).pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4


@pytest.mark.parametrize("purpose", list(DEFAULT_LETTERS))
def test_letter_every_default_template_renders_html_and_pdf(setup, lead, purpose, django_capture_on_commit_callbacks):
    case, parent = setup
    letter = letter_services.letter_start(
        case=case, purpose=purpose, by=lead, recipient=parent,
        parts={"decision_reasons": "The posts were seen by 30 parents.", "meeting_at": "2026-12-01T15:30",
               "meeting_place": "the school office", "ban_length": "until the end of term",
               "ban_review_on": "2027-01-10", "ban_changes": "You may come to the office by appointment.",
               "ban_start": "2026-12-07", "representations_deadline": "2026-12-21", "effective_on": "2026-12-20"},
    )
    assert letter.missing_parts == []
    assert "Karl Dunn" in letter.html or "Mr Dunn" in letter.html
    assert "{{" not in letter.html and "{%" not in letter.html
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    assert letter.render_state == Letter.RenderState.READY, letter.render_error
    assert case.reference in _pdf_text(letter) or purpose in ("ban_lifted",)


def test_letter_free_text_is_data_not_template_code(setup, lead, django_capture_on_commit_callbacks):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent, parts={
        "free_text": "{{ settings.SECRET_KEY }} <script>alert(1)</script>",
    })
    assert "{{ settings.SECRET_KEY }}" in letter.html
    assert "<script>" not in letter.html and "&lt;script&gt;" in letter.html
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    assert "{{ settings.SECRET_KEY }}" in _pdf_text(letter)


def test_letter_lifecycle_approve_issue_acknowledge_with_timeline(setup, lead, head, office,
                                                                  django_capture_on_commit_callbacks, mailoutbox):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    with pytest.raises(PermissionDenied, match="Only the Head Teacher"):
        letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=lead)
    with pytest.raises(ValidationError, match="cannot become"):
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=office, method="post")
    with pytest.raises(ValidationError, match="Prepare the PDF first"):
        letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=office, method="email")
    letter.refresh_from_db()
    assert letter.status == Letter.Status.ISSUED and letter.issued_by == office and letter.emailed_at
    assert mailoutbox[0].to == ["karl.dunn@parents.example"]
    assert mailoutbox[0].attachments[0][0] == f"{case.reference}-warning-v1.pdf"
    letter_services.letter_transition(letter=letter, to=Letter.Status.ACKNOWLEDGED, by=office,
                                      note="Signed slip returned")
    summaries = list(case.events.filter(kind=CaseEvent.Kind.LETTER).values_list("summary", flat=True))
    assert [s.split(":")[0] for s in summaries] == [
        "Letter drafted", "Letter approved", "Letter issued", "Letter acknowledged"]


def test_letter_issued_is_frozen_and_changes_make_a_new_version(setup, lead, head, office,
                                                               django_capture_on_commit_callbacks):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=office, method="hand")
    letter.refresh_from_db()
    issued_sha, issued_html = letter.sha256, letter.html
    with pytest.raises(ValidationError):
        letter_services.letter_update(letter=letter, by=lead, parts={"free_text": "changed"}, recipient=parent)
    letter.html = "tampered"
    with pytest.raises(ValidationError, match="cannot be changed"):
        letter.save()
    with pytest.raises(ValidationError, match="issued"):
        letter_services.letter_request_pdf(letter=letter)
    new = letter_services.letter_new_version(letter=letter, by=lead)
    letter_services.letter_update(letter=new, by=lead, parts={"free_text": "A corrected paragraph."}, recipient=parent)
    new.refresh_from_db()
    letter.refresh_from_db()
    assert new.version == 2 and new.previous == letter and "A corrected paragraph." in new.html
    assert letter.sha256 == issued_sha and letter.html == issued_html and letter.status == Letter.Status.ISSUED


def test_letter_cannot_be_issued_by_post_without_address_nor_email_without_email(
        setup, lead, head, office, django_capture_on_commit_callbacks):
    case, _parent = setup
    letter = letter_services.letter_start(case=case, purpose="moderator_request", by=lead,
                                          recipient_details={"full_name": "Moderator Mo"})
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    with pytest.raises(ValidationError, match="no postal address"):
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=office, method="post")
    with pytest.raises(ValidationError, match="no e-mail address"):
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=office, method="email")
    letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=office, method="hand")
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.ISSUED


def test_letter_render_rerun_leaves_exactly_one_pdf(setup, lead, django_capture_on_commit_callbacks):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    folder = letter.pdf.storage.path(f"letters/{case.pk}")
    letter_services.letter_render_pdf(letter_id=letter.pk)  # a re-run, as after a crash between file and row
    letter_services.letter_render_pdf(letter_id=letter.pk)
    import os

    assert [name for name in os.listdir(folder) if name.startswith(f"{letter.pk}-")] == [f"{letter.pk}-v1.pdf"]


def test_letter_render_failure_is_retried_then_shown_plainly(setup, lead, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    calls = []

    def broken(html):
        calls.append(1)
        raise RuntimeError("fonts unavailable")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    assert len(calls) == 4  # the first try and three retries
    assert letter.render_state == Letter.RenderState.FAILED
    assert letter.render_error == ("The PDF could not be prepared: an unexpected problem on the server "
                                   "(RuntimeError). Try again; if it happens again, tell the administrator.")
    assert not letter.pdf
