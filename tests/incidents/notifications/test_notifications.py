import datetime

import pytest
from django.core import mail
from django.db import transaction

from incidents.cases import services as case_services
from incidents.letters import services as letter_services
from incidents.models import Case, Letter, Notification, User
from incidents.notifications import reminders
from incidents.notifications import services as notification_services
from incidents.roles import Role
from tests import factories
from tests.incidents.letters.letter_setup import realistic_case

pytestmark = pytest.mark.django_db

DESCRIPTION = "Posted that Mrs Patel is useless and should be sacked."


@pytest.fixture
def logged(log_concern, django_capture_on_commit_callbacks):
    """log(**overrides) → a concern logged, with what happens after commit carried out."""

    def log(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return log_concern(description=DESCRIPTION, **overrides)

    return log


def _mails_to(user):
    return [message for message in mail.outbox if user.email in message.to]


def test_notification_new_concern_tells_the_leads_with_reference_and_link_only(logged, lead, office, parent,
                                                                                settings):
    settings.SITE_URL = "https://casebook.hillside.example"
    case = logged(parents=[parent]).case
    [message] = _mails_to(lead)
    assert message.subject == f"A new concern was logged ({case.reference})"
    assert f"https://casebook.hillside.example/cases/{case.reference}/" in message.body
    assert parent.last_name not in message.body + message.subject
    assert "Patel" not in message.body
    assert not _mails_to(office)  # who logged it is not told of their own concern
    stored = Notification.objects.get(recipient=lead)
    assert stored.state == Notification.State.SENT and stored.sent_at and stored.attempts == 1
    assert stored.body == message.body and stored.case_reference == case.reference


def test_notification_safeguarding_goes_to_the_safeguarding_lead_at_once_even_with_a_digest(logged, dsl):
    dsl.notification_mode = User.NotificationMode.DIGEST
    dsl.save()
    case = logged(safeguarding=True).case
    [message] = _mails_to(dsl)
    assert "Safeguarding" in message.subject and case.reference in message.subject


def test_notification_safeguarding_flag_set_later_tells_the_safeguarding_lead(case, lead, dsl,
                                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_update(case=case, by=lead, expected_version=case.version, safeguarding=True)
    assert len(_mails_to(dsl)) == 1


def test_notification_restricted_case_tells_only_those_who_may_see_it(case, head, lead, log_concern, parent,
                                                                      django_capture_on_commit_callbacks):
    other_lead = factories.UserFactory(username="lead2", role=Role.LEAD)
    case_services.case_set_restricted(case=case, by=head, restricted=True, reason="Staff matter")
    with django_capture_on_commit_callbacks(execute=True):
        log_concern(parents=[parent], link_to=case)
    assert len(_mails_to(lead)) == 1  # the case's own lead
    assert not _mails_to(other_lead)
    assert not Notification.objects.filter(recipient=other_lead).exists()


def test_notification_awaiting_decision_tells_the_head_teacher(case, lead, head, django_capture_on_commit_callbacks):
    case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=lead)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(case=case, to=Case.Status.AWAITING_DECISION, by=lead, step="recommendation")
    [message] = _mails_to(head)
    assert message.subject == f"A case is waiting for your decision ({case.reference})"


def test_notification_letter_approved_tells_office_staff_who_can_see_the_case(
        school, office, lead, head, django_capture_on_commit_callbacks):
    case, parent = realistic_case(school=school, office=office, lead=lead)
    stranger = factories.UserFactory(username="office2", role=Role.OFFICE)  # logged nothing: cannot see it
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_render_pdf(letter_id=letter.pk)  # approved as its PDF reads
        letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    [message] = _mails_to(office)
    assert "ready to issue" in message.subject
    assert not _mails_to(stranger)


def test_notification_nothing_is_sent_for_a_rolled_back_write(log_concern, lead,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            log_concern()
            raise RuntimeError("the write fails after the concern")
    assert not mail.outbox
    assert not Notification.objects.exists()


def test_notification_digest_is_held_then_sent_once_a_day_as_one_email(logged, lead,
                                                                       django_capture_on_commit_callbacks):
    lead.notification_mode = User.NotificationMode.DIGEST
    lead.save()
    first, second = logged().case, logged().case
    assert not _mails_to(lead)
    assert Notification.objects.filter(recipient=lead, digest=True, state="queued").count() == 2
    for _ in range(2):  # the job run twice: the second finds nothing held
        with django_capture_on_commit_callbacks(execute=True):
            reminders.daily_job(today=datetime.date(2026, 3, 2))
    [message] = _mails_to(lead)
    assert "2 notifications for 2 March 2026" in message.subject
    assert first.reference in message.body and second.reference in message.body
    assert set(Notification.objects.filter(recipient=lead).values_list("state", flat=True)) == {"sent"}


def test_notification_failing_email_is_retried_then_kept_as_failed_with_the_error(logged, lead, monkeypatch):
    from django.core.mail import EmailMessage

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server refused the connection")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    logged()
    stored = Notification.objects.get(recipient=lead)
    assert stored.state == Notification.State.FAILED
    assert stored.attempts == 4  # the first try and three retries
    assert "refused the connection" in stored.error


def test_notification_to_someone_without_an_email_address_fails_at_once_and_says_why(logged, lead):
    lead.email = ""
    lead.save(update_fields=["email"])
    logged()
    stored = Notification.objects.get(recipient=lead)
    assert stored.state == Notification.State.FAILED
    assert stored.attempts == 1  # no retries: a retry cannot give them an address
    assert "has no e-mail address" in stored.error


def test_notification_no_email_names_a_parent_child_or_what_happened(
        school, office, lead, head, dsl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, parent = realistic_case(school=school, office=office, lead=lead)
        case_services.case_update(case=case, by=lead, expected_version=case.version, safeguarding=True)
        case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=lead)
        case_services.case_transition(case=case, to=Case.Status.AWAITING_DECISION, by=lead, step="recommendation")
        letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
        letter_services.letter_render_pdf(letter_id=letter.pk)  # approved as its PDF reads
        letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    assert len(mail.outbox) >= 4
    secrets = ["Karl", "Dunn", "Amy", "Ben", "Patel", "useless", "Ruth", "Adeyemi", "Year 4 parents"]
    for message in mail.outbox:
        text = message.subject + message.body
        assert case.reference in text
        assert not [secret for secret in secrets if secret in text], text
    for stored in Notification.objects.all():
        assert not [secret for secret in secrets if secret in stored.subject + stored.body]


def test_telling_more_leads_costs_two_queries_each_not_more(case, lead, django_capture_on_commit_callbacks):
    """Roles are read for all recipients at once; each costs only the check that they may see the
    case and the outbox row (the busy office morning: nine leads told of every concern). The e-mails
    themselves are queued after commit, and sent by the worker: not counted here."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def told() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
            sent = notification_services.case_notify(case_id=case.pk, kind=Notification.Kind.CONCERN_LOGGED)
        assert len(queued) == len(sent)
        return len(sent), len(queries)

    few, few_queries = told()
    for i in range(4):
        factories.UserFactory(username=f"lead{i}", role=Role.LEAD, email=f"lead{i}@example.org")
    many, many_queries = told()
    assert many == few + 4
    assert many_queries - few_queries <= 2 * 4
