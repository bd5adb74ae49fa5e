"""The provisional-ban letter states the representations deadline as a date worked out from the
school's term dates and bank holidays, never as a fixed number of school days."""

import datetime

import pytest
from django.utils import timezone

from incidents.decisions import sanctions
from incidents.demo.school import seed_term_dates
from incidents.letters import services as letter_services
from incidents.models import Sanction
from policies.defaults import load_defaults
from policies.models import LetterTemplate, School
from tests.incidents.letters.letter_setup import decided_sanction, realistic_case


@pytest.fixture
def setup(school, office, lead):
    return realistic_case(school=school, office=office, lead=lead)


def _draft_on(day, monkeypatch, *, case, parent, lead, parts=None):
    monkeypatch.setattr(letter_services.timezone, "localdate", lambda *args: day)
    return letter_services.letter_start(case=case, purpose="provisional_ban", by=lead, recipient=parent,
                                        parts=parts or {"decision_reasons": "The posts were seen by 30 parents."})


def _provisional_from(day, *, case, parent, lead, head):
    """A provisional ban starting on `day`, its deadline left to the school's days, and its letter."""
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    step = sanctions.sanction_transition(
        sanction=ban, to=Sanction.State.PROVISIONAL, by=head, on=min(day, timezone.localdate()),
        details={"reasons": "Shouted at the deputy head at the gate.", "starts_on": day,
                 "conditions": "Grandmother drops off and collects at the side gate."})
    return letter_services.letter_start(case=case, purpose="provisional_ban", by=lead, recipient=parent, step=step)


def test_ban_starting_on_the_last_day_of_term_gives_a_january_deadline(setup, school, lead, head):
    case, parent = setup
    seed_term_dates(school)
    letter = _provisional_from(datetime.date(2026, 12, 18), case=case, parent=parent, lead=lead, head=head)
    assert letter.parts["representations_deadline"] == "2027-01-15"
    text = " ".join(letter.html.split())
    assert "<strong>by Friday 15 January 2027</strong>" in text
    assert "school days from the date of this letter" not in text


def test_ban_in_scotland_gives_the_later_deadline(setup, school, lead, head):
    case, parent = setup
    School.objects.filter(pk=school.pk).update(nation=School.Nation.SCOTLAND)
    seed_term_dates(school)
    case.refresh_from_db()
    letter = _provisional_from(datetime.date(2026, 12, 18), case=case, parent=parent, lead=lead, head=head)
    assert "by Monday 18 January 2027" in " ".join(letter.html.split())


def test_letter_sentence_follows_a_deadline_the_author_changed(setup, lead, monkeypatch):
    case, parent = setup
    letter = _draft_on(datetime.date(2026, 12, 18), monkeypatch, case=case, parent=parent, lead=lead,
                       parts={"representations_deadline": "2027-01-22"})
    assert "by Friday 22 January 2027" in " ".join(letter.html.split())


def test_a_school_on_the_earlier_default_wording_gets_the_new_version(school):
    load_defaults(school=school)
    template = LetterTemplate.objects.get(school=school, purpose=LetterTemplate.Purpose.PROVISIONAL_BAN)
    first = template.current_version
    old_body = first.body.replace(
        "{{ school.email }}, <strong>{{ representations_deadline_in_words }}</strong>. I will consider",
        '{{ school.email }}, by <strong>{{ representations_deadline|date:"l j F Y" }}</strong>\n'
        "({{ representations_school_days }} school days from the date of this letter). I will consider")
    assert old_body != first.body
    type(first).objects.filter(pk=first.pk).update(body=old_body)

    assert load_defaults(school=school) == ["letter template 'Provisional ban from the school site' (new wording)"]
    assert template.versions.count() == 2
    assert "representations_deadline_in_words" in template.current_version.body
    assert load_defaults(school=school) == []


def test_a_school_that_changed_its_letter_keeps_its_own_wording(school):
    load_defaults(school=school)
    template = LetterTemplate.objects.get(school=school, purpose=LetterTemplate.Purpose.PROVISIONAL_BAN)
    version = template.current_version
    type(version).objects.filter(pk=version.pk).update(body=version.body + "<p>Our own paragraph.</p>")
    assert load_defaults(school=school) == []
    assert template.versions.count() == 1
