"""What the parent sends from their page is recorded as staff would record it, once, after a one-time
code, through the same file checks as evidence; the Head Teacher is told."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from incidents.decisions.ban import representation_record
from incidents.models import CaseEvent, Evidence, Letter, Notification, ParentCode, Representation, Sanction
from incidents.parents import selectors
from tests.factories import PNG
from tests.incidents.evidence.test_evidence_archives import BOMB

pytestmark = pytest.mark.django_db

CODE = re.compile(r"Your code is (\d{6})")


def _verified(client, path, mailoutbox, django_capture_on_commit_callbacks) -> str:
    """Ask for a code on the page, read it from the e-mail, and type it in: returns the code."""
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path + "code/").status_code == 302
    [message] = mailoutbox
    assert message.to == ["karl.dunn@parents.example"]
    code = CODE.search(message.body).group(1)
    assert client.post(path + "check-code/", {"code": code}).status_code == 302
    return code


def _once(client, path) -> str:
    page = client.get(path).content.decode()
    return re.search(r'name="once" value="([^"]+)"', page).group(1)


def test_acknowledging_records_the_letter_as_staff_would_and_a_replay_records_nothing(ban_letter, plain_client, head):
    case, _ban, letter, path = ban_letter
    assert plain_client.post(path + "got-it/", REMOTE_ADDR="203.0.113.9").status_code == 302
    letter.refresh_from_db()
    assert letter.status == Letter.Status.ACKNOWLEDGED and letter.acknowledged_on == timezone.localdate()
    assert "letter page" in letter.acknowledged_note
    for _ in range(3):
        plain_client.post(path + "got-it/")
    acknowledged = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.LETTER, data__status="acknowledged")
    assert acknowledged.count() == 1 and acknowledged.get().actor == head
    page_events = CaseEvent.objects.filter(case=case, data__action="acknowledged")
    assert page_events.count() == 1 and page_events.get().data["address"] == "203.0.113.9"
    assert "You told us you got this letter" in plain_client.get(path).content.decode()


def test_representations_are_refused_without_the_code(ban_letter, plain_client):
    _case, ban, _letter, path = ban_letter
    response = plain_client.post(path + "reply/", {"text": "I was not at the gate.", "once": "x1"})
    assert response.status_code == 302
    assert not Representation.objects.exists()
    ban.refresh_from_db()
    assert ban.state == Sanction.State.PROVISIONAL
    assert plain_client.post(path + "meeting/", {"message": "Mornings", "once": "x2"}).status_code == 302
    assert not CaseEvent.objects.filter(data__action="meeting").exists()


def test_the_code_is_hashed_works_once_and_only_for_its_session(
        ban_letter, plain_client, mailoutbox, django_capture_on_commit_callbacks):
    _case, _ban, _letter, path = ban_letter
    code = _verified(plain_client, path, mailoutbox, django_capture_on_commit_callbacks)
    stored = ParentCode.objects.get()
    assert stored.used_at is not None and code not in stored.code_hash
    assert not Notification.objects.filter(body__contains=code).exists()  # never kept in the outbox
    # Someone else (another browser) with the same, used code gets nowhere.
    other = Client()
    response = other.post(path + "check-code/", {"code": code})
    assert response.status_code == 400 and "not right" in response.content.decode()
    other.post(path + "reply/", {"text": "Pretending to be Karl", "once": "y1"})
    assert not Representation.objects.exists()


def test_wrong_codes_use_up_the_code(ban_letter, plain_client, mailoutbox, django_capture_on_commit_callbacks):
    _case, _ban, _letter, path = ban_letter
    with django_capture_on_commit_callbacks(execute=True):
        plain_client.post(path + "code/")
    code = CODE.search(mailoutbox[-1].body).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(selectors.CODE_TRIES):
        assert plain_client.post(path + "check-code/", {"code": wrong}).status_code == 400
    assert plain_client.post(path + "check-code/", {"code": code}).status_code == 400  # too late, even right
    ParentCode.objects.update(attempts=0, expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert plain_client.post(path + "check-code/", {"code": code}).status_code == 400  # and codes run out


def test_codes_are_limited_per_hour(ban_letter, plain_client, mailoutbox, django_capture_on_commit_callbacks):
    _case, _ban, _letter, path = ban_letter
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(selectors.CODES_PER_HOUR + 3):
            plain_client.post(path + "code/")
    assert len([m for m in mailoutbox if "Your code is" in m.body]) == selectors.CODES_PER_HOUR


def test_representations_with_a_photo_are_recorded_on_the_ban_and_the_head_is_told(
        ban_letter, plain_client, head, lead, mailoutbox, django_capture_on_commit_callbacks):
    case, ban, _letter, path = ban_letter
    _verified(plain_client, path, mailoutbox, django_capture_on_commit_callbacks)
    once = _once(plain_client, path)
    with django_capture_on_commit_callbacks(execute=True):
        response = plain_client.post(path + "reply/", {
            "text": "I was collecting Amy and did not shout.", "once": once,
            "files": [SimpleUploadedFile("gate.png", PNG, content_type="image/png")]}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    # A double press of the same form records nothing more.
    plain_client.post(path + "reply/", {"text": "I was collecting Amy and did not shout.", "once": once})
    representation = Representation.objects.get()
    assert representation.sanction == ban and representation.recorded_by == head
    assert representation.text == "I was collecting Amy and did not shout."
    [photo] = representation.files.all()
    assert photo.content_type == "image/png" and photo.original_name == "gate.png"
    assert photo.provided_by.startswith("The parent")
    ban.refresh_from_db()
    assert ban.state == Sanction.State.REPRESENTATIONS  # the deadline logic sees the answer at once
    told = Notification.objects.filter(kind=Notification.Kind.PARENT_REPLIED)
    assert list(told.values_list("recipient__username", flat=True)) == ["head"]
    assert "I was collecting" not in told.get().body  # staff e-mails carry no detail
    event = CaseEvent.objects.get(case=case, data__action="representations")
    assert event.data["address"] == "203.0.113.9" and event.data["representation"] == representation.pk
    page = plain_client.get(path).content.decode()
    assert "I was collecting Amy" in page and "gate.png" in page
    # Further representations before the review are added, without a second move of the ban.
    plain_client.post(path + "reply/", {"text": "One more thing.", "once": _once(plain_client, path)})
    assert Representation.objects.count() == 2


@pytest.mark.parametrize(("name", "data", "says"), [
    ("photo.png", b"<!doctype html><html><script>alert(1)</script></html>", "Web pages"),
    ("photo.png", BOMB, "zip bomb"),
    ("run.exe", b"MZ\x90\x00" + b"\x00" * 100, "Programs"),
])
def test_hostile_files_are_refused_as_evidence_refuses_them_and_nothing_is_kept(
        ban_letter, plain_client, mailoutbox, django_capture_on_commit_callbacks, name, data, says):
    _case, ban, _letter, path = ban_letter
    _verified(plain_client, path, mailoutbox, django_capture_on_commit_callbacks)
    once = _once(plain_client, path)
    form = {"text": "My side.", "once": once, "files": [SimpleUploadedFile("fine.png", PNG),
                                                         SimpleUploadedFile(name, data)]}
    response = plain_client.post(path + "reply/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page and "My side." in page  # the message, and what they wrote is kept in the form
    assert not Representation.objects.exists() and not Evidence.objects.filter(provided_by__startswith="The parent")
    ban.refresh_from_db()
    assert ban.state == Sanction.State.PROVISIONAL
    # Having been refused, the same form may be sent again once fixed.
    plain_client.post(path + "reply/", {"text": "My side.", "once": once})
    assert Representation.objects.count() == 1


def test_a_file_over_the_schools_limit_is_refused(ban_letter, plain_client, school, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    _case, _ban, _letter, path = ban_letter
    school.evidence_max_mb = 1
    school.save()
    _verified(plain_client, path, mailoutbox, django_capture_on_commit_callbacks)
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (1024 * 1024 + 1))
    response = plain_client.post(path + "reply/", {"once": _once(plain_client, path), "files": [big]})
    assert response.status_code == 400 and "the limit is 1 MB" in response.content.decode()
    assert not Representation.objects.exists()


def test_asking_for_a_meeting_is_recorded_and_the_head_is_told(
        ban_letter, plain_client, mailoutbox, django_capture_on_commit_callbacks):
    case, _ban, _letter, path = ban_letter
    _verified(plain_client, path, mailoutbox, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        plain_client.post(path + "meeting/", {"message": "Weekday mornings.", "once": _once(plain_client, path)})
    event = CaseEvent.objects.get(case=case, data__action="meeting")
    assert event.data["message"] == "Weekday mornings."
    assert Notification.objects.filter(kind=Notification.Kind.PARENT_REPLIED, recipient__username="head").exists()
    assert "Weekday mornings." in plain_client.get(path).content.decode()


def test_the_page_shows_only_this_parents_own_answers(ban_letter, plain_client, head):
    """What staff record from a letter the parent posted is the school's record, not shown on the page."""
    _case, ban, _letter, path = ban_letter
    representation_record(sanction=ban, by=head, received_on=timezone.localdate(), text="Posted letter from Karl")
    assert "Posted letter from Karl" not in plain_client.get(path).content.decode()
