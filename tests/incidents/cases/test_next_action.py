"""The case page opens on where the case stands and the one thing the signed-in person does next
(incidents.cases.next_action), read from the workflow's tables and the person's role."""

import re

import pytest
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.decisions import sanctions
from incidents.models import Case, Sanction, SanctionStep
from policies.models import ResponseType
from tests import factories

pytestmark = pytest.mark.django_db
State = Sanction.State
TODAY = timezone.localdate()


def _new(school, office, lead, head, log_concern, parent):
    return log_concern(parents=[parent]).case


def _investigating(school, office, lead, head, log_concern, parent):
    case = _new(school, office, lead, head, log_concern, parent)
    case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=lead)
    return case


def _awaiting(school, office, lead, head, log_concern, parent):
    return factories.case_awaiting_decision(school=school, lead=lead, parent=parent)


def _warning_decided(school, office, lead, head, log_concern, parent):
    return factories.decided_case(school=school, lead=lead, head=head, parent=parent)[0]


def _provisional_ban(school, office, lead, head, log_concern, parent, *, letter_sent: bool):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, parent=parent,
                                     codes=[ResponseType.Code.PROVISIONAL_BAN])
    ban = case.sanctions.get()
    sanctions.sanction_transition(sanction=ban, to=State.PROVISIONAL, by=lead, details={
        "reasons": "Threatened the deputy head at the gate.", "conditions": "Grandmother collects at the side gate.",
        "starts_on": TODAY})
    if letter_sent:
        SanctionStep.objects.filter(sanction=ban).update(letter_sent_on=TODAY)
    case.refresh_from_db()
    return case


def _ban_letter_sent(*args):
    return _provisional_ban(*args, letter_sent=True)


def _ban_letter_due(*args):
    return _provisional_ban(*args, letter_sent=False)


def _closed(school, office, lead, head, log_concern, parent):
    case = _new(school, office, lead, head, log_concern, parent)
    case_services.case_transition(case=case, to=Case.Status.CLOSED, by=lead, reason="Not a breach.")
    return case


NEXT_ACTIONS = [
    # (the case, who is signed in, the button they see; None: no button)
    (_new, "lead", "Start investigating"),
    (_new, "head", "Choose who leads the investigation"),  # the Head may not lead: they say who does
    (_new, "office", "Add evidence"),
    (_new, "governor", None),
    (_investigating, "lead", "Recommend a response"),
    (_investigating, "office", "Add evidence"),
    (_awaiting, "head", "Decide the response"),
    (_awaiting, "lead", None),
    (_awaiting, "office", None),
    (_warning_decided, "lead", "Prepare the letter"),
    (_warning_decided, "head", "Prepare the letter"),
    (_ban_letter_due, "lead", "Prepare the letter"),
    (_ban_letter_sent, "lead", "Record representations"),
    (_ban_letter_sent, "head", "Record representations"),
    (_closed, "head", None),
    (_closed, "lead", None),
]


def _next_action(page: str) -> str | None:
    found = re.search(r'data-testid="next-action"[^>]*>([^<]+)<', page)
    return found.group(1).strip() if found else None


@pytest.mark.parametrize(("make_case", "role", "expected"), NEXT_ACTIONS,
                         ids=[f"{make.__name__[1:]}-{role}" for make, role, _ in NEXT_ACTIONS])
def test_next_action_for_each_role_and_state(make_case, role, expected, request, school, office, lead, head,
                                            log_concern, parent, client_for):
    case = make_case(school, office, lead, head, log_concern, parent)
    user = request.getfixturevalue(role)
    if role == "governor":
        case.governors.add(user)
    if role == "office":
        Case.objects.filter(pk=case.pk).update(created_by=office)
    response = client_for(user).get(case.get_absolute_url())
    assert response.status_code == 200
    assert _next_action(response.content.decode()) == expected


def test_next_action_start_investigating_moves_the_case(school, office, lead, head, log_concern, parent, client_for):
    case = _new(school, office, lead, head, log_concern, parent)
    client = client_for(lead)
    page = client.get(case.get_absolute_url()).content.decode()
    button = page.index('data-testid="next-action"')
    form = page[page.rindex("<form", 0, button):button]
    assert f'action="/cases/{case.reference}/status/"' in form and 'name="to" value="investigating"' in form
    client.post(f"/cases/{case.reference}/status/", {"to": "investigating"})
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING
    assert _next_action(client.get(case.get_absolute_url()).content.decode()) == "Recommend a response"


def test_next_action_letter_button_opens_the_step_letter(school, office, lead, head, log_concern, parent, client_for):
    case = _warning_decided(school, office, lead, head, log_concern, parent)
    page = client_for(lead).get(case.get_absolute_url()).content.decode()
    # The same letter the decision section says is needed: the warning's.
    wanted = f"/cases/{case.reference}/letters/new/?step=sanction-{case.sanctions.get().pk}"
    assert f'href="{wanted}" data-testid="prepare-letter"' in page
    assert f'href="{wanted}" data-testid="next-action"' in page


def test_summary_shows_the_ban_in_force_with_its_next_date(school, office, lead, head, log_concern, parent,
                                                          client_for):
    case = _ban_letter_sent(school, office, lead, head, log_concern, parent)
    due = case.sanctions.get().representations_due
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    summary = page[page.index('data-testid="case-summary"'):page.index('aria-label="Case sections"')]
    assert "Provisional ban: awaiting representations" in summary
    assert f"Representations due <time datetime=\"{due:%Y-%m-%d}\">{due.day} {due:%b %Y}</time>" in summary
    assert lead.display_name in summary and "Sanction in force" in summary


def test_summary_shows_the_safeguarding_and_restricted_flags(case, head, client_for):
    Case.objects.filter(pk=case.pk).update(safeguarding=True, restricted=True)
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    summary = page[page.index('data-testid="case-summary"'):page.index('aria-label="Case sections"')]
    assert 'data-testid="flag-safeguarding"' in summary and 'data-testid="flag-restricted"' in summary


def test_case_page_sections_are_anchors_each_once(case, head, client_for):
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    for section in ("overview", "chronology", "evidence", "chats", "decisions", "letters"):
        assert page.count(f'id="{section}"') == 1, section
        assert f'href="#{section}"' in page
    assert f'href="/cases/{case.reference}/history/"' in page
    # The summary and the next action come before any section: the page opens on them.
    assert page.index('data-testid="case-summary"') < page.index('id="overview"')


def test_next_date_of_a_ban_is_not_shown_once_it_is_lifted(school, office, lead, head, log_concern, parent,
                                                         client_for):
    case = _ban_letter_sent(school, office, lead, head, log_concern, parent)
    sanctions.sanction_transition(sanction=case.sanctions.get(), to=State.LIFTED, by=head,
                                  details={"reasons": "The parent apologised in writing."})
    summary_start = 'data-testid="summary-response"'
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    shown = page[page.index(summary_start):page.index("</dd>", page.index(summary_start))]
    assert "Representations due" not in shown and "None yet" in shown


def test_the_heads_next_action_on_a_new_case_goes_to_the_lead_question(school, office, lead, head, log_concern,
                                                                         parent, client_for):
    case = _new(school, office, lead, head, log_concern, parent)
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    assert f'href="{case.get_absolute_url()}#start-investigating" data-testid="next-action"' in page
    assert 'id="start-investigating"' in page
    assert 'data-testid="lead-picker"' in page
