"""A letter drafted from a step says what the step recorded, cannot go out with a hole in it, and
completes its step when issued."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.decisions import ban as ban_process
from incidents.decisions import sanctions
from incidents.letters import services as letter_services
from incidents.letters import steps
from incidents.models import Letter, Sanction, SanctionStep
from policies.templating import EmptyLetterPart, empty_variables, render_letter_template
from tests import factories
from tests.incidents.letters.letter_setup import decided_sanction, realistic_case

pytestmark = pytest.mark.django_db
State = Sanction.State
TODAY = timezone.localdate()


@pytest.fixture
def setup(school, office, lead):
    return realistic_case(school=school, office=office, lead=lead)


def _pdf_ready(letter, capture):
    with capture(execute=True), transaction.atomic():
        letter_services.letter_request_pdf(letter=letter)
    letter.refresh_from_db()
    return letter


def _issue(letter, *, head, by, capture, method="hand", on=None):
    letter = _pdf_ready(letter, capture)
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    with capture(execute=True):
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=by, method=method, issued_on=on)
    letter.refresh_from_db()
    return letter


def _provisional(ban, *, by, starts_on, due):
    return sanctions.sanction_transition(
        sanction=ban, to=State.PROVISIONAL, by=by, on=min(starts_on, TODAY),
        details={"reasons": "Shouted at the deputy head at the gate.", "starts_on": starts_on,
                 "representations_due": due,
                 "conditions": "Grandmother drops off and collects at the side gate."})


def test_provisional_ban_letter_carries_the_steps_dates_not_guessed_or_typed_ones(setup, lead, head):
    case, parent = setup
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    step = _provisional(ban, by=head, starts_on=TODAY + datetime.timedelta(days=2),
                        due=TODAY + datetime.timedelta(days=16))
    # Typed values for recorded parts are ignored: the step is the only source of its dates.
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent, step=step,
                                          parts={"ban_start": "2020-01-01", "representations_deadline": "2020-01-02"})
    start, due = TODAY + datetime.timedelta(days=2), TODAY + datetime.timedelta(days=16)
    assert letter.purpose == "provisional_ban" and letter.step == step
    assert letter.parts["ban_start"] == start.isoformat()
    assert letter.parts["representations_deadline"] == due.isoformat()
    assert f"{start.day} {start:%B %Y}" in letter.html and f"{due.day} {due:%B %Y}" in letter.html
    assert "Shouted at the deputy head" in letter.html and "side gate" in letter.html
    assert letter.missing_parts == []
    letter_services.letter_update(letter=letter, by=lead, recipient=parent,
                                  parts={"ban_start": "2020-01-01", "conduct_summary": "Shouted at the gate."})
    letter.refresh_from_db()
    assert letter.parts["ban_start"] == start.isoformat() and "Shouted at the gate." in letter.html


def test_prepare_page_shows_recorded_parts_read_only_and_asks_only_for_the_rest(setup, lead, head, client_for):
    case, _parent = setup
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    step = _provisional(ban, by=head, starts_on=TODAY, due=TODAY + datetime.timedelta(days=14))
    page = client_for(lead).get(
        reverse("incidents:letter_create", args=[case.reference]) + f"?step=step-{step.pk}").content.decode()
    assert 'data-testid="recorded-parts"' in page and "change it on the step" in page
    assert f"{TODAY.day} {TODAY:%B %Y}" in page
    assert 'name="part_ban_start"' not in page and 'name="part_representations_deadline"' not in page
    assert 'name="part_conduct_summary"' in page
    assert "Provisional ban from the school site" in page and 'id="purpose-choice"' not in page


def test_a_step_of_another_case_is_not_found(setup, school, lead, head, office, client_for):
    case, _parent = setup
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    step = _provisional(ban, by=head, starts_on=TODAY, due=TODAY + datetime.timedelta(days=14))
    other = factories.case_awaiting_decision(school=school, lead=lead)
    url = reverse("incidents:letter_create", args=[other.reference])
    assert client_for(lead).get(url + f"?step=step-{step.pk}").status_code == 404
    assert client_for(lead).get(url + "?step=step-nonsense").status_code == 404
    with pytest.raises(ValidationError, match="not one of this case"):
        steps.step_for_token(other, f"sanction-{ban.pk}")


def test_a_second_letter_for_a_step_is_refused_and_offered_as_the_existing_one(setup, lead, head, office,
                                                                                client_for,
                                                                                django_capture_on_commit_callbacks):
    case, parent = setup
    warning = decided_sanction(case, lead=lead, head=head, code="warning")
    letter = letter_services.letter_start(case=case, purpose="", by=lead, recipient=parent, step=warning)
    with pytest.raises(ValidationError, match="already has a letter"):
        letter_services.letter_start(case=case, purpose="", by=lead, recipient=parent, step=warning)
    response = client_for(lead).get(
        reverse("incidents:letter_create", args=[case.reference]) + f"?step=sanction-{warning.pk}")
    assert response.status_code == 302 and response["Location"] == reverse("incidents:letter_detail",
                                                                            args=[letter.pk])
    _issue(letter, head=head, by=office, capture=django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="prepare a new version"):
        letter_services.letter_start(case=case, purpose="", by=lead, recipient=parent, step=warning)
    new = letter_services.letter_new_version(letter=letter, by=lead)
    assert new.step == letter.step and new.pdf_filename == f"{case.reference}-warning-v2.pdf"


def test_issuing_the_cautionary_notice_gives_the_warning(setup, lead, head, office, client_for,
                                                       django_capture_on_commit_callbacks):
    case, parent = setup
    warning = decided_sanction(case, lead=lead, head=head, code="warning")
    page = client_for(lead).get(case.get_absolute_url()).content.decode()
    assert 'data-testid="next-step"' in page and "Prepare the cautionary notice" in page
    letter = letter_services.letter_start(case=case, purpose="", by=lead, recipient=parent, step=warning)
    # Office staff not assigned to the case send the Head Teacher's approved letter.
    _issue(letter, head=head, by=office, capture=django_capture_on_commit_callbacks,
           on=TODAY - datetime.timedelta(days=1))
    warning.refresh_from_db()
    issued = warning.steps.get()
    assert warning.state == State.ISSUED and issued.on == TODAY - datetime.timedelta(days=1)
    assert issued.letter_sent_on == TODAY - datetime.timedelta(days=1)
    page = client_for(lead).get(case.get_absolute_url()).content.decode()
    assert "Letter needed" not in page and "Prepare the cautionary notice" not in page
    assert 'data-testid="step-letter"' in page and "Issued" in page


def test_issuing_a_ban_steps_letter_records_it_sent_and_letter_needed_goes(setup, lead, head, office, client_for,
                                                                           django_capture_on_commit_callbacks):
    case, parent = setup
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    step = _provisional(ban, by=head, starts_on=TODAY, due=TODAY + datetime.timedelta(days=14))
    assert "Letter needed" in client_for(lead).get(case.get_absolute_url()).content.decode()
    letter = letter_services.letter_start(case=case, purpose="", by=lead, recipient=parent, step=step)
    _issue(letter, head=head, by=lead, capture=django_capture_on_commit_callbacks)
    step.refresh_from_db()
    assert step.letter_sent_on == TODAY and not step.letter_needed
    page = client_for(lead).get(case.get_absolute_url()).content.decode()
    assert "Letter needed" not in page
    assert f"{case.reference}-provisional-ban-v1.pdf" == letter.pdf_filename


def _varied(ban, *, head, details):
    sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head,
                                  details={"ends_on": TODAY + datetime.timedelta(days=60),
                                           "review_on": TODAY + datetime.timedelta(days=30)})
    return sanctions.sanction_transition(sanction=ban, to=State.VARIED, by=head, details=details)


def test_ban_varied_letter_states_the_changes_recorded_on_the_step(setup, lead, head):
    case, parent = setup
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    _provisional(ban, by=head, starts_on=TODAY - datetime.timedelta(days=30), due=TODAY - datetime.timedelta(days=16))
    ends, review = TODAY + datetime.timedelta(days=40), TODAY + datetime.timedelta(days=20)
    step = _varied(ban, head=head, details={"ends_on": ends, "review_on": review, "reasons": "No incidents since.",
                                            "conditions": "May attend the office by appointment."})
    letter = letter_services.letter_start(case=case, purpose="", by=lead, recipient=parent, step=step)
    text = " ".join(letter.html.split())
    assert f"The ban now ends on {ends.day} {ends:%B %Y}" in text and "May attend the office by appointment" in text
    assert f"runs until {ends.day} {ends:%B %Y}" in text and "No incidents since." in text
    assert "runs ." not in text and letter.missing_parts == []


def test_a_letter_with_an_empty_part_cannot_have_its_pdf_nor_be_approved_and_the_page_names_it(
        setup, lead, head, client_for, django_capture_on_commit_callbacks):
    case, parent = setup
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    _provisional(ban, by=head, starts_on=TODAY - datetime.timedelta(days=30), due=TODAY - datetime.timedelta(days=16))
    # A variation that recorded no reasons and changed nothing the letter can state.
    step = _varied(ban, head=head, details={"ends_on": TODAY + datetime.timedelta(days=60),
                                            "review_on": TODAY + datetime.timedelta(days=30),
                                            "conditions": "Grandmother drops off and collects at the side gate."})
    letter = letter_services.letter_start(case=case, purpose="", by=lead, recipient=parent, step=step)
    assert letter.missing_parts == ["How the ban has changed", "Reasons for the decision"]
    with pytest.raises(ValidationError, match="How the ban has changed"):
        letter_services.letter_request_pdf(letter=letter)
    Letter.objects.filter(pk=letter.pk).update(render_state=Letter.RenderState.READY, pdf="letters/x.pdf")
    with pytest.raises(ValidationError, match="Reasons for the decision"):
        letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    page = client_for(lead).get(reverse("incidents:letter_detail", args=[letter.pk])).content.decode()
    assert 'data-testid="missing-parts"' in page and "How the ban has changed" in page
    assert "Approve this letter" not in client_for(head).get(
        reverse("incidents:letter_detail", args=[letter.pk])).content.decode()
    letter_services.letter_update(letter=letter, by=lead, recipient=parent, parts={
        "decision_reasons": "The parent has kept to the arrangements.",
        "ban_changes": "You may now come to the office by appointment."})
    letter.refresh_from_db()
    assert letter.missing_parts == [] and letter.render_state == Letter.RenderState.NONE
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)


def test_a_changed_draft_needs_its_pdf_again_before_approval(setup, lead, head, django_capture_on_commit_callbacks):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    letter = _pdf_ready(letter, django_capture_on_commit_callbacks)
    letter_services.letter_update(letter=letter, by=lead, recipient=parent,
                                  parts={"conduct_summary": case.summary, "free_text": "One more thing."})
    with pytest.raises(ValidationError, match="Prepare the PDF first"):
        letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)


def test_a_pdf_of_text_changed_while_it_was_made_is_not_marked_ready(setup, lead, monkeypatch):
    case, parent = setup
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    from policies import pdf

    real = pdf.html_to_pdf

    def change_meanwhile(html):
        Letter.objects.filter(pk=letter.pk).update(html="<p>Changed while rendering</p>")
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", change_meanwhile)
    letter_services.letter_render_pdf(letter_id=letter.pk)
    letter.refresh_from_db()
    assert letter.render_state != Letter.RenderState.READY


def test_the_template_engine_refuses_a_template_that_would_print_an_empty_sentence():
    body = ("<p>I have decided to change it as follows:</p><p>{{ ban_changes|linebreaksbr }}</p>"
            "<p>The ban, as changed, runs {{ ban_length }}.</p>{% if free_text %}{{ free_text }}{% endif %}"
            "<ul>{% for clause in clauses_breached %}<li>{{ clause.number }}</li>{% endfor %}</ul>"
            "{{ meeting_place|default:'the office' }}")
    context = {"ban_changes": "  ", "ban_length": "", "free_text": "", "clauses_breached": []}
    assert empty_variables(body, context) == ["ban_changes", "ban_length", "clauses_breached"]
    with pytest.raises(EmptyLetterPart, match="ban_changes, ban_length, clauses_breached"):
        render_letter_template(body, context, allow_empty=False)
    full = {"ban_changes": "x", "ban_length": "until May", "clauses_breached": [{"number": "1.1"}]}
    assert "until May" in render_letter_template(body, full, allow_empty=False)


def test_the_letter_opens_with_a_whole_sentence_quotes_the_clauses_and_keeps_the_signature_together(setup, lead):
    case, parent = setup
    case.summary = "Conduct of Karl Dunn in Year 4 parents"  # a title-like fragment, as a summary can be
    case.save()
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    text = " ".join(letter.html.split())
    assert "in the Year 4 parents group.</p>" in text
    assert "group. Conduct of Karl Dunn" not in text
    assert "<strong>What happened.</strong> Conduct of Karl Dunn in Year 4 parents.</p>" in text
    assert "clause 1.1: “Do not use the group to raise grievances" in text
    assert "enclosed copy" not in text
    assert '<div class="signature"> <p>Yours sincerely,</p>' in text


def test_two_letters_of_the_same_kind_on_one_case_never_share_a_file_name(setup, lead):
    case, parent = setup
    first = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    second = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    meeting = letter_services.letter_start(case=case, purpose="meeting_invitation", by=lead, recipient=parent)
    names = {first.pdf_filename, second.pdf_filename, meeting.pdf_filename}
    assert names == {f"{case.reference}-warning-v1.pdf", f"{case.reference}-warning-2-v1.pdf",
                     f"{case.reference}-meeting-invitation-v1.pdf"}


def test_a_meeting_invitation_says_the_time_and_place_recorded_on_the_step(setup, lead, head, client_for):
    case, parent = setup
    meeting = decided_sanction(case, lead=lead, head=head, code="meeting")
    client_for(lead).post(f"/cases/{case.reference}/sanctions/{meeting.pk}/invited/", {
        "on": TODAY.isoformat(), "meeting_on": "2027-01-12", "meeting_time": "15:30",
        "meeting_place": "the Head Teacher's office", "submission_token": "m-1"})
    step = SanctionStep.objects.get(sanction=meeting, to_state=State.INVITED)
    letter = letter_services.letter_start(case=case, purpose="", by=lead, recipient=parent, step=step)
    assert letter.purpose == "meeting_invitation" and letter.missing_parts == []
    assert "Tuesday 12 January 2027 at 3:30 p.m." in " ".join(letter.html.split())
    assert "Head Teacher&#x27;s office" in letter.html or "Head Teacher's office" in letter.html


def test_representations_do_not_need_a_letter(setup, lead, head):
    case, _parent = setup
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    _provisional(ban, by=head, starts_on=TODAY, due=TODAY + datetime.timedelta(days=14))
    ban_process.representation_record(sanction=ban, by=lead, received_on=TODAY, text="I apologise.")
    step = ban.steps.get(to_state=State.REPRESENTATIONS)
    assert steps.step_letter_purpose(step) == "" and not step.letter_needed
    with pytest.raises(ValidationError, match="needs no letter"):
        letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=case.parents.first(), step=step)


def test_seed_demo_builds_every_letter_from_its_step_and_issues_those_of_past_steps(settings, tmp_path, demo_allowed):
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    before = list(Letter.objects.order_by("pk").values_list("pk", "status", "sha256"))
    call_command("seed_demo")
    assert list(Letter.objects.order_by("pk").values_list("pk", "status", "sha256")) == before  # idempotent
    assert before, "the demo has letters"
    for letter in Letter.objects.all():
        assert letter.step is not None, f"{letter} sits on its case without its step"
        step_case = letter.step.case if hasattr(letter.step, "case") else letter.step.sanction.case
        assert step_case == letter.case and letter.missing_parts == []
    bans = Sanction.objects.filter(kind=Sanction.Kind.BAN).exclude(state=State.PENDING)
    assert bans.count() >= 4
    for ban in bans:
        for step in ban.steps.exclude(letter_purpose=""):
            [letter] = steps.step_letters(step)
            assert letter.status == Letter.Status.ISSUED and step.letter_sent_on == letter.issued_on
            assert letter.purpose == step.letter_purpose
            if step.to_state == State.PROVISIONAL:
                start = datetime.date.fromisoformat(step.details["starts_on"])
                assert letter.parts["ban_start"] == step.details["starts_on"]
                assert f"{start.day} {start:%B %Y}" in letter.html
    # A decided warning still to be given shows its notice as the next thing to do, not a letter made up.
    pending = Sanction.objects.filter(kind=Sanction.Kind.WARNING, state=State.PENDING).first()
    assert pending is not None and not steps.step_letters(pending).exists()
