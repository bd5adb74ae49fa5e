"""What the parent sends on the page is on the case at once, as if staff had recorded it: the ban's
next action, the deadlines and the Head's list all move on the moment the representations arrive."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incidents.models import Notification, Sanction, SanctionStep
from incidents.notifications.deadlines import deadlines
from tests.factories import PNG
from tests.incidents.parents.test_parent_answers import _once, _verified

pytestmark = pytest.mark.django_db

REPRESENTATIONS_DUE = "Written representations about a provisional ban: due"


def _next_action(client, case) -> str:
    page = client.get(case.get_absolute_url()).content.decode()
    for label in ("Record representations", "Review the ban"):
        if label in page:
            return label
    return ""


def test_the_parents_representations_move_the_ban_on_at_once(
        ban_letter, plain_client, client_for, head, school, mailoutbox, django_capture_on_commit_callbacks):
    case, ban, _letter, path = ban_letter
    head_client = client_for(head)
    keys = {deadline.key for deadline in deadlines(school=school, today=timezone.localdate())}
    assert f"representations:{ban.pk}" in keys
    assert _next_action(head_client, case) == "Record representations"
    assert REPRESENTATIONS_DUE in head_client.get(reverse("incidents:deadline_list")).content.decode()

    _verified(plain_client, path, mailoutbox, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        plain_client.post(path + "reply/", {"text": "I was not there that day.", "once": _once(plain_client, path),
                                            "files": [SimpleUploadedFile("gate.png", PNG)]})

    # Straight away, with no task run in between: the step is recorded as staff record it...
    ban.refresh_from_db()
    assert ban.state == Sanction.State.REPRESENTATIONS
    step = SanctionStep.objects.get(sanction=ban, to_state=Sanction.State.REPRESENTATIONS)
    assert step.by == head
    # ...the deadline for representations is met, the Head's next action is the review, and they are told.
    keys = {deadline.key for deadline in deadlines(school=school, today=timezone.localdate())}
    assert f"representations:{ban.pk}" not in keys
    assert _next_action(head_client, case) == "Review the ban"
    assert REPRESENTATIONS_DUE not in head_client.get(reverse("incidents:deadline_list")).content.decode()
    assert Notification.objects.filter(kind=Notification.Kind.PARENT_REPLIED, recipient=head).exists()
    ban_page = head_client.get(case.get_absolute_url()).content.decode()
    assert "I was not there that day." in ban_page and "gate.png" in ban_page
