import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.evidence import services as evidence_services
from incidents.letters import services as letter_services
from incidents.models import CaseEvent
from tests.incidents.conftest import PNG

pytestmark = pytest.mark.django_db


def _run(capsys):
    try:
        call_command("verify_integrity")
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().out


@pytest.fixture
def recorded(case, lead, office):
    case_services.case_transition(case=case, to="investigating", by=lead)
    evidence_services.evidence_add(case=case, by=office, data=PNG, file_name="shot.png", provided_by="x",
                                   provided_at=timezone.now())
    return case


def test_an_untouched_database_verifies(recorded, capsys):
    code, out = _run(capsys)
    assert code == 0 and "Everything matches" in out


def test_an_edited_timeline_event_is_reported(recorded, capsys):
    event = recorded.events.filter(kind=CaseEvent.Kind.STATUS).get()
    CaseEvent.objects.filter(pk=event.pk).update(summary="Status: nothing happened")
    code, out = _run(capsys)
    assert code == 1
    assert f"{recorded.reference} event {event.pk}" in out and "changed after it was recorded" in out


def test_a_removed_timeline_event_is_reported(recorded, capsys):
    first = recorded.events.order_by("id").first()
    CaseEvent.objects.filter(pk=first.pk).delete()
    code, out = _run(capsys)
    assert code == 1 and "does not follow the event before it" in out


def test_an_altered_evidence_file_is_reported(recorded, capsys):
    evidence = recorded.evidence.get()
    with open(evidence.file.path, "ab") as handle:
        handle.write(b"edited")
    code, out = _run(capsys)
    assert code == 1 and "shot.png" in out and "SHA-256 is" in out


def test_an_altered_letter_pdf_is_reported(recorded, lead, school, capsys):
    from policies.defaults import load_defaults

    load_defaults(school=school)
    letter = letter_services.letter_start(case=recorded, purpose="acknowledgement", by=lead,
                                          recipient=recorded.parents.first())
    letter_services.letter_render_pdf(letter_id=letter.pk)
    letter.refresh_from_db()
    assert _run(capsys)[0] == 0
    with open(letter.pdf.path, "ab") as handle:
        handle.write(b"%% changed")
    code, out = _run(capsys)
    assert code == 1 and f"letter {letter.pk}" in out and "PDF SHA-256 is" in out
