"""The parent's link: random, signed, kept only as a hash, one letter and one parent, and one plain
page (same status, same body) for every link that opens nothing."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents.decisions import sanctions
from incidents.letters import services as letter_services
from incidents.models import CaseEvent, Letter, Notification, ParentLink, Sanction
from incidents.parents import links, selectors
from tests.incidents.parents.setup import emailed_ban_letter, issue_by_email, page_path_in

pytestmark = pytest.mark.django_db


def _plain(response) -> tuple[int, bytes]:
    return response.status_code, response.content


def test_emailed_letter_carries_a_link_to_its_own_page(ban_letter, plain_client):
    case, ban, letter, path = ban_letter
    page = plain_client.get(path, REMOTE_ADDR="203.0.113.7")
    text = " ".join(page.content.decode().split())
    assert page.status_code == 200
    assert "Hillside Primary School" in text and letter.subject in text
    assert "Shouted at the deputy head" in text  # the letter itself, as HTML
    due = ban.representations_due
    assert f"please do it by {due:%A} {due.day} {due:%B %Y}" in text
    assert "Ruth Adeyemi" not in text  # the raiser is never named on the parent's page
    assert case.reference not in path
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"
    opened = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.PARENT_PAGE, data__action="opened").get()
    assert opened.data["address"] == "203.0.113.7" and "203.0.113.7" in opened.summary


def test_only_a_hash_of_the_token_is_kept(ban_letter):
    _case, _ban, letter, path = ban_letter
    token = path.split("/")[2]
    raw = links.token_unsigned(token)
    assert raw and len(raw) >= 40
    link = ParentLink.objects.get(letter=letter)
    assert link.token_hash == links.token_hash(raw)
    stored = " ".join(str(value) for value in ParentLink.objects.values_list().get())
    assert raw not in stored and token not in stored


def test_the_pdf_downloads_through_the_link(ban_letter, plain_client):
    _case, _ban, letter, path = ban_letter
    response = plain_client.get(path + "letter.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and response["X-Content-Type-Options"] == "nosniff"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Hillside Primary School" in text and "Ruth Adeyemi" not in text  # the school, never the raiser


def test_every_link_that_opens_nothing_gets_the_same_plain_page(
        ban_letter, plain_client, school, office, lead, head, django_capture_on_commit_callbacks, mailoutbox):
    case, _ban, letter, path = ban_letter
    token = path.split("/")[2]
    raw, signature = token.split(".")
    tampered = f"/letter/{raw[:-1]}{'A' if raw[-1] != 'A' else 'B'}.{signature}/"
    unsigned = f"/letter/{raw}/"
    garbage = "/letter/CB-2026-0001/"
    answers = {name: _plain(plain_client.get(url, REMOTE_ADDR=f"10.0.0.{i}")) for i, (name, url) in enumerate(
               {"tampered": tampered, "unsigned": unsigned, "garbage": garbage}.items())}

    link = ParentLink.objects.get(letter=letter)
    ParentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    answers["expired"] = _plain(plain_client.get(path))
    ParentLink.objects.filter(pk=link.pk).update(expires_at=link.expires_at, revoked_at=timezone.now())
    answers["revoked"] = _plain(plain_client.get(path))
    ParentLink.objects.filter(pk=link.pk).update(revoked_at=None)
    assert plain_client.get(path).status_code == 200  # the same link, live again, opens

    # Another case's letter: its own link opens its own page, and a mix of the two opens nothing.
    mailoutbox.clear()
    _other_case, _ob, other_letter = emailed_ban_letter(school=school, office=office, lead=lead, head=head,
                                                        capture=django_capture_on_commit_callbacks)
    other_path = page_path_in(mailoutbox[-1].body)
    other_raw = other_path.split("/")[2].split(".")[0]
    answers["other case's token, this case's signature"] = _plain(plain_client.get(f"/letter/{other_raw}.{signature}/"))
    assert other_letter.subject in plain_client.get(other_path).content.decode()
    for action in ("got-it/", "reply/", "code/", "meeting/", "check-code/"):
        answers[f"POST {action}"] = _plain(plain_client.post(tampered + action, REMOTE_ADDR="10.0.1.1"))

    statuses = {status for status, _ in answers.values()}
    bodies = {body for _, body in answers.values()}
    assert statuses == {404}, answers.keys()
    assert len(bodies) == 1
    body = bodies.pop().decode()
    assert "This link does not work" in body and "Hillside Primary School" in body and "01632 960000" in body
    assert letter.subject not in body and "Karl" not in body


def test_a_late_visit_with_a_real_link_is_on_the_timeline(ban_letter, plain_client):
    case, _ban, letter, path = ban_letter
    ParentLink.objects.filter(letter=letter).update(revoked_at=timezone.now())
    plain_client.get(path, REMOTE_ADDR="198.51.100.4")
    refused = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.PARENT_PAGE, data__action="refused")
    assert refused.data["address"] == "198.51.100.4"


def test_bad_links_from_one_address_are_refused_after_the_limit(ban_letter, plain_client):
    _case, _ban, _letter, path = ban_letter
    for attempt in range(selectors.BAD_LINK_LIMIT):
        assert plain_client.get(f"/letter/guess-{attempt}/", REMOTE_ADDR="192.0.2.50").status_code == 404
    # Now even the right link is refused from that address, with the same plain page...
    refused = plain_client.get(path, REMOTE_ADDR="192.0.2.50")
    assert refused.status_code == 429 and "This link does not work" in refused.content.decode()
    # ...while another address is not affected.
    assert plain_client.get(path, REMOTE_ADDR="192.0.2.51").status_code == 200


def test_a_new_version_of_the_letter_stops_the_old_link(ban_letter, plain_client, lead, head, office,
                                                       django_capture_on_commit_callbacks, mailoutbox):
    _case, _ban, letter, path = ban_letter
    new = letter_services.letter_new_version(letter=letter, by=lead)
    assert plain_client.get(path).status_code == 200  # a draft replaces nothing yet
    mailoutbox.clear()
    issue_by_email(new, head=head, by=office, capture=django_capture_on_commit_callbacks)
    assert plain_client.get(path).status_code == 404
    assert ParentLink.objects.get(letter=letter).revoked_at is not None
    assert plain_client.get(page_path_in(mailoutbox[-1].body)).status_code == 200


def test_the_link_stops_when_the_ban_is_reviewed(ban_letter, plain_client, head):
    _case, ban, letter, path = ban_letter
    sanctions.sanction_transition(sanction=ban, to=Sanction.State.LIFTED, by=head, details={"reasons": "Apology."})
    assert plain_client.get(path).status_code == 404
    assert "Sanction.State" not in ParentLink.objects.get(letter=letter).revoked_reason
    assert ParentLink.objects.get(letter=letter).revoked_at is not None


def test_staff_revoke_the_link_from_the_case(ban_letter, plain_client, client, lead, outsider):
    case, _ban, letter, path = ban_letter
    client.force_login(lead)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Stop the parent&#x27;s link working" in page or "Stop the parent's link working" in page
    revoke = reverse("incidents:parent_links_revoke", args=[letter.pk])
    client.logout()
    client.force_login(outsider)
    assert client.post(revoke).status_code == 404  # cannot see the letter
    assert plain_client.get(path).status_code == 200
    client.logout()
    client.force_login(lead)
    assert client.post(revoke).status_code == 302
    assert plain_client.get(path).status_code == 404
    assert CaseEvent.objects.filter(case=case, data__action="revoked", actor=lead).exists()


def test_office_not_on_the_case_cannot_revoke(ban_letter, client, office, plain_client):
    _case, _ban, letter, path = ban_letter
    client.force_login(office)
    client.post(reverse("incidents:parent_links_revoke", args=[letter.pk]))
    assert plain_client.get(path).status_code == 200


def test_parent_link_command_prints_a_fresh_link_and_the_old_one_stops(ban_letter, plain_client, capsys):
    case, _ban, _letter, path = ban_letter
    call_command("parent_link", case.reference)
    printed = capsys.readouterr().out.strip()
    new_path = page_path_in(printed)
    assert new_path != path
    assert plain_client.get(new_path).status_code == 200
    assert plain_client.get(path).status_code == 404


def test_a_staff_member_signed_in_without_two_factor_sees_the_parent_page(ban_letter, plain_client, head):
    _case, _ban, _letter, path = ban_letter
    plain_client.force_login(head)  # the Head must use two-factor, and has not entered a code here
    response = plain_client.get(path)
    assert response.status_code == 200 and "A letter for you" in response.content.decode()


def test_the_letter_email_names_the_school_and_the_link_only(ban_letter, mailoutbox):
    _case, _ban, letter, _path = ban_letter
    [email] = [message for message in mailoutbox if message.to == [letter.recipient_email]]
    assert "/letter/" in email.body and "Ruth" not in email.body
    assert Notification.objects.get(letter=letter, kind=Notification.Kind.LETTER).state == Notification.State.SENT
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.ISSUED


def test_another_cases_link_opens_only_its_own_letter_and_once_closed_the_plain_page(
        ban_letter, plain_client, school, office, lead, head, django_capture_on_commit_callbacks, mailoutbox):
    _case, _ban, letter, path = ban_letter
    mailoutbox.clear()
    _other_case, other_ban, other_letter = emailed_ban_letter(school=school, office=office, lead=lead, head=head,
                                                              capture=django_capture_on_commit_callbacks)
    other_path = page_path_in(mailoutbox[-1].body)
    plain = plain_client.get("/letter/not-a-link/")

    def pdf_of(page_path: str) -> bytes:
        return b"".join(plain_client.get(page_path + "letter.pdf").streaming_content)

    with letter.pdf.open("rb") as mine, other_letter.pdf.open("rb") as theirs:
        assert pdf_of(path) == mine.read() and pdf_of(other_path) == theirs.read()
    # Acknowledging through the other case's link touches only the other case's letter.
    plain_client.post(other_path + "got-it/")
    letter.refresh_from_db()
    other_letter.refresh_from_db()
    assert (letter.status, other_letter.status) == (Letter.Status.ISSUED, Letter.Status.ACKNOWLEDGED)
    # When the other case's ban is decided, its link gives the plain page, and this one still opens.
    sanctions.sanction_transition(sanction=other_ban, to=Sanction.State.LIFTED, by=head,
                                  details={"reasons": "Apology."})
    closed = plain_client.get(other_path)
    assert (closed.status_code, closed.content) == (plain.status_code, plain.content)
    assert plain_client.get(path).status_code == 200


def test_a_message_left_by_the_page_is_not_shown_on_the_plain_page(ban_letter, plain_client, mailoutbox):
    _case, _ban, letter, path = ban_letter
    plain = plain_client.get("/letter/not-a-link/").content
    plain_client.post(path + "code/")  # leaves "We have sent a code to k***@parents.example" for the next page
    ParentLink.objects.filter(letter=letter).update(revoked_at=timezone.now())
    assert plain_client.get(path).content == plain
    ParentLink.objects.filter(letter=letter).update(revoked_at=None)
    assert "We have sent a code" not in plain_client.get(path).content.decode()  # dropped, not kept for later


def test_the_link_works_until_the_set_days_after_the_deadline(ban_letter, plain_client, monkeypatch):
    _case, ban, letter, path = ban_letter
    last_day = ban.representations_due + datetime.timedelta(days=links.LINK_DAYS_AFTER_DEADLINE)
    end = timezone.make_aware(datetime.datetime.combine(last_day, datetime.time(23, 59, 59)))
    assert plain_client.get(path).status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: end - datetime.timedelta(minutes=1))
    assert plain_client.get(path).status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: end + datetime.timedelta(seconds=1))
    assert plain_client.get(path).status_code == 404


def test_every_link_that_opens_nothing_is_logged_with_its_address(ban_letter, plain_client, caplog):
    _case, _ban, _letter, path = ban_letter
    with caplog.at_level("WARNING", logger="incidents.parents.services"):
        plain_client.get("/letter/made-up.signature/", REMOTE_ADDR="192.0.2.70")
        plain_client.get("/p/abcd-efgh-jkmn/", REMOTE_ADDR="192.0.2.71")
        plain_client.get(path, REMOTE_ADDR="192.0.2.72")  # a link that works is not
    logged = [record.getMessage() for record in caplog.records if record.name == "incidents.parents.services"]
    assert len(logged) == 2 and "192.0.2.70" in logged[0] and "192.0.2.71" in logged[1]
    assert path.split("/")[2] not in " ".join(logged)  # the log never holds a working key
