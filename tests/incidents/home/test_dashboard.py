import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.home import dashboard
from incidents.letters import services as letter_services
from incidents.models import Case, Letter, User
from incidents.records import services as record_services
from incidents.roles import Role
from tests import factories
from tests.incidents.letters.letter_setup import realistic_case

pytestmark = pytest.mark.django_db


def _waiting(case, lead):
    case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=lead)
    case_services.case_transition(case=case, to=Case.Status.AWAITING_DECISION, by=lead, step="recommendation")
    return case


def test_dashboard_head_sees_decisions_waiting_and_their_deadlines(client_for, case, lead, head, parent):
    _waiting(case, lead)
    record_services.subject_access_request_record(parent=parent, received_on=timezone.localdate(), by=head)
    page = client_for(head).get("/").content.decode()
    assert "Decisions waiting for you" in page and case.reference in page
    # In the deadlines of the next 14 days, worded as still to come: it waited since today.
    assert "A decision on a case waiting for the Head Teacher: due in" in page
    assert "has been waiting" not in page
    assert "Subject access requests open" in page
    assert "Ban reviews" in page


def test_dashboard_lead_sees_new_cases_to_investigate_and_their_own(client_for, log_concern, case, lead):
    new = log_concern().case
    page = client_for(lead).get("/").content.decode()
    assert "New cases to investigate" in page and new.reference in page
    assert "Your open cases" in page and case.reference in page
    assert "Cases you lead, by status" in page


def test_dashboard_office_sees_approved_letters_to_issue_and_concerns_logged(client_for, school, office, lead, head):
    case, parent = realistic_case(school=school, office=office, lead=lead)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    letter_services.letter_render_pdf(letter_id=letter.pk)  # approved as its PDF reads
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    page = client_for(office).get("/").content.decode()
    assert "Approved letters to issue" in page and f"/letters/{letter.pk}/" in page
    assert "Concerns you logged" in page and case.reference in page


def test_dashboard_deadlines_only_for_cases_the_user_can_see(client_for, case, lead, office):
    _waiting(case, lead)
    stranger = factories.UserFactory(username="office2", role=Role.OFFICE)
    assert "A decision on a case waiting" not in client_for(stranger).get("/").content.decode()
    page = client_for(lead).get("/").content.decode()
    assert f"{case.reference}: A decision on a case waiting for the Head Teacher" in page


def test_dashboard_safeguarding_lead_and_governor_see_only_their_cases(client_for, log_concern, case, dsl, governor):
    flagged = log_concern(safeguarding=True).case
    case.governors.add(governor)
    dsl_page = client_for(dsl).get("/").content.decode()
    assert "Safeguarding cases" in dsl_page and flagged.reference in dsl_page
    assert case.reference not in dsl_page
    governor_page = client_for(governor).get("/").content.decode()
    assert "Cases referred to you" in governor_page and case.reference in governor_page
    assert flagged.reference not in governor_page


@pytest.mark.parametrize("role", ["head", "lead", "office"])
def test_dashboard_query_count_does_not_grow_with_data(role, client_for, cast, school, log_concern, parent,
                                                       monkeypatch):
    # One deadline shown: both measurements have more deadlines than the page shows, so each source
    # counts the rest in both (a source whose list fits does not need to count).
    monkeypatch.setattr(dashboard, "DEADLINES_SHOWN", 1)
    user = cast[role]
    client = client_for(user)

    def add_cases(n):
        for _ in range(n):
            case = log_concern(parents=[parent]).case
            Case.objects.filter(pk=case.pk).update(lead=cast["lead"])
            _waiting(case, cast["lead"])
            record_services.subject_access_request_record(parent=parent, received_on=timezone.localdate(),
                                                          by=cast["head"])

    client.get("/")  # the first page after signing in stamps the session
    add_cases(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    add_cases(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/").status_code == 200
    assert len(many) == len(few) <= 30, [q["sql"] for q in many.captured_queries]


def test_notification_settings_saves_the_choice_of_a_daily_digest(client_for, lead):
    client = client_for(lead)
    assert "A daily digest" in client.get("/accounts/notifications/").content.decode()
    response = client.post("/accounts/notifications/", {"notification_mode": "digest"}, follow=True)
    assert "Your choice of e-mails is saved" in response.content.decode()
    assert User.objects.get(pk=lead.pk).notification_mode == User.NotificationMode.DIGEST
