"""Every e-mail, letters included, goes through the outbox; a failure is retried, recorded with its
reason, shown on the letter and in the office's "E-mails not sent", and can be sent again."""

import smtplib

import pytest
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from incidents.cases import services as case_services
from incidents.letters import services as letter_services
from incidents.models import CaseEvent, Letter, Notification
from incidents.notifications import services
from incidents.notifications.selectors import emails_not_sent
from tests.incidents.letters.letter_setup import realistic_case


@pytest.fixture
def approved_letter(school, office, lead, head, django_capture_on_commit_callbacks):
    case, parent = realistic_case(school=school, office=office, lead=lead)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_request_pdf(letter=letter)
    letter.refresh_from_db()
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    letter.refresh_from_db()
    return letter


@pytest.fixture
def smtp_down(monkeypatch):
    """The mail server drops every connection, as an SMTP server that has gone away does."""

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    return monkeypatch


def _issue_by_email(letter, office, capture):
    with capture(execute=True):
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=office, method="email")
    letter.refresh_from_db()
    return letter


def _to_parent(mailoutbox) -> list:
    return [message for message in mailoutbox if message.to == ["karl.dunn@parents.example"]]


def _page(client, letter) -> str:
    return " ".join(client.get(reverse("incidents:letter_detail", args=[letter.pk])).content.decode().split())


def test_a_letter_email_is_an_outbox_row_sent_with_its_pdf(approved_letter, office, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    letter = _issue_by_email(approved_letter, office, django_capture_on_commit_callbacks)
    email = Notification.objects.get(letter=letter)
    assert email.kind == Notification.Kind.LETTER and email.recipient is None
    assert email.to_address == "karl.dunn@parents.example"
    assert email.state == Notification.State.SENT and email.attempts == 1
    assert email.case_reference == letter.case.reference
    [message] = _to_parent(mailoutbox)
    assert message.subject == email.subject
    assert message.attachments[0][2] == "application/pdf"
    assert letter.emailed_at == email.sent_at


def test_an_smtp_failure_is_retried_then_shown_on_the_letter_and_the_office_panel(
        approved_letter, office, head, lead, client_for, smtp_down, mailoutbox, django_capture_on_commit_callbacks):
    letter = _issue_by_email(approved_letter, office, django_capture_on_commit_callbacks)
    email = Notification.objects.get(letter=letter)
    assert email.state == Notification.State.FAILED
    assert email.attempts == 4  # the first try and three retries, with backoff between them
    assert email.error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert letter.emailed_at is None and not _to_parent(mailoutbox)

    page = _page(client_for(office), letter)
    assert "E-mail not sent: SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert "E-mail queued" not in page and "E-mail sent" not in page
    assert reverse("incidents:email_retry", args=[email.pk]) in page  # the office may try again
    assert reverse("incidents:email_retry", args=[email.pk]) not in _page(client_for(lead), letter)

    home = " ".join(client_for(office).get(reverse("incidents:home")).content.decode().split())
    assert "E-mails not sent" in home
    panel = home.split("E-mails not sent", 1)[1].split("</section>", 1)[0]
    assert f"{letter.recipient_name} &lt;karl.dunn@parents.example&gt;: {email.subject}" in panel
    assert reverse("incidents:letter_detail", args=[letter.pk]) in panel and "failed" in panel
    listing = client_for(head).get(reverse("incidents:emails_not_sent")).content.decode()
    assert "Connection unexpectedly closed" in listing and letter.case.reference in listing


def test_retrying_after_the_server_is_back_sends_it_and_clears_the_failure(
        approved_letter, office, client_for, smtp_down, mailoutbox, django_capture_on_commit_callbacks):
    letter = _issue_by_email(approved_letter, office, django_capture_on_commit_callbacks)
    email = Notification.objects.get(letter=letter)
    smtp_down.undo()  # the mail server is back
    client = client_for(office)
    letter_url = reverse("incidents:letter_detail", args=[letter.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:email_retry", args=[email.pk]), {"next": letter_url})
    assert response.status_code == 302 and response.url == letter_url
    email.refresh_from_db()
    letter.refresh_from_db()
    assert email.state == Notification.State.SENT and email.error == ""
    assert letter.emailed_at is not None
    assert len(_to_parent(mailoutbox)) == 1
    page = _page(client, letter)
    assert "E-mail sent" in page and "E-mail not sent" not in page
    assert not emails_not_sent(office).exists()
    assert "Every e-mail has gone." in client.get(reverse("incidents:home")).content.decode()
    assert letter.case.events.filter(kind=CaseEvent.Kind.LETTER, summary__contains="tried again").exists()


def test_a_failed_attempt_says_so_while_retries_are_still_to_come(approved_letter, office, client_for, smtp_down,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # issued, but the task has not run yet
        letter_services.letter_transition(letter=approved_letter, to=Letter.Status.ISSUED, by=office, method="email")
    email = Notification.objects.get(letter=approved_letter)
    assert "E-mail queued." in _page(client_for(office), approved_letter)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.notification_deliver(notification_id=email.pk)
    email.refresh_from_db()
    assert email.state == Notification.State.QUEUED and "Connection unexpectedly closed" in email.error
    page = _page(client_for(office), approved_letter)
    assert "E-mail not sent yet: SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert "E-mail queued." not in page
    assert list(emails_not_sent(office)) == [email]


def test_a_letter_email_that_could_not_be_queued_is_not_called_queued_and_goes_later(
        approved_letter, office, client_for, monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "enqueue", lambda *args, **kwargs: False)  # the broker is down
    letter = _issue_by_email(approved_letter, office, django_capture_on_commit_callbacks)
    email = Notification.objects.get(letter=letter)
    assert email.state == Notification.State.QUEUED and email.error == services.NOTIFICATION_WAITING_FOR_QUEUE
    page = _page(client_for(office), letter)
    assert "E-mail not sent yet: Waiting for the task queue" in page and "E-mail queued." not in page
    monkeypatch.undo()  # the broker is back: the every-minute job queues it
    assert services.notifications_requeue_waiting() == 1
    email.refresh_from_db()
    assert email.state == Notification.State.SENT and len(_to_parent(mailoutbox)) == 1


def test_only_the_office_and_the_head_may_try_again_and_only_a_failed_email(
        approved_letter, office, head, lead, client_for, smtp_down, django_capture_on_commit_callbacks):
    letter = _issue_by_email(approved_letter, office, django_capture_on_commit_callbacks)
    email = Notification.objects.get(letter=letter)
    retry = reverse("incidents:email_retry", args=[email.pk])
    assert client_for(lead).post(retry).status_code == 403
    assert client_for(lead).get(reverse("incidents:emails_not_sent")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):  # still down: it fails again, and says so
        client_for(head).post(retry)
    email.refresh_from_db()
    assert email.state == Notification.State.FAILED and email.attempts == 8
    smtp_down.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(office).post(retry)
    response = client_for(office).post(retry, follow=True)  # sent now: nothing to try again
    assert response.status_code == 404
    email.refresh_from_db()
    assert email.state == Notification.State.SENT and email.attempts == 9


def test_a_restricted_cases_failed_email_is_not_listed_for_the_office(
        approved_letter, office, head, client_for, smtp_down, django_capture_on_commit_callbacks):
    letter = _issue_by_email(approved_letter, office, django_capture_on_commit_callbacks)
    email = Notification.objects.get(letter=letter)
    case_services.case_set_restricted(case=letter.case, by=head, restricted=True, reason="Police involved.")
    assert not emails_not_sent(office).exists()
    assert list(emails_not_sent(head)) == [email]
    assert letter.case.reference not in client_for(office).get(reverse("incidents:emails_not_sent")).content.decode()
    assert client_for(office).post(reverse("incidents:email_retry", args=[email.pk])).status_code == 404


def test_a_retry_cannot_send_the_browser_elsewhere(approved_letter, office, client_for, smtp_down,
                                                   django_capture_on_commit_callbacks):
    letter = _issue_by_email(approved_letter, office, django_capture_on_commit_callbacks)
    email = Notification.objects.get(letter=letter)
    response = client_for(office).post(reverse("incidents:email_retry", args=[email.pk]),
                                       {"next": "https://evil.example/"})
    assert response.url == reverse("incidents:emails_not_sent")


def test_email_timeout_is_set_for_the_smtp_connection():
    assert settings.EMAIL_TIMEOUT == 20
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 20
