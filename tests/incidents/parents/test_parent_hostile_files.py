"""The parent's representations refuse every hostile file that evidence refuses, saying what evidence
says, and record nothing; the ban stays waiting for the parent's answer."""

from html import escape

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.evidence import services as evidence_services
from incidents.models import Evidence, Representation, Sanction
from tests.factories import PNG
from tests.incidents.evidence.hostile import HOSTILE_FILES
from tests.incidents.parents.test_parent_answers import _once, _verified

pytestmark = pytest.mark.django_db


def test_every_hostile_file_evidence_refuses_the_parents_reply_refuses(
        ban_letter, plain_client, office, mailoutbox, django_capture_on_commit_callbacks):
    case, ban, _letter, path = ban_letter
    _verified(plain_client, path, mailoutbox, django_capture_on_commit_callbacks)
    evidence = Evidence.objects.count()
    for what, name, data in HOSTILE_FILES:
        with pytest.raises(ValidationError) as refused:
            evidence_services.evidence_add(case=case, by=office, data=data, file_name=name, provided_by="x",
                                           provided_at=timezone.now())
        response = plain_client.post(path + "reply/", {
            "text": "My side.", "once": _once(plain_client, path),
            "files": [SimpleUploadedFile("fine.png", PNG), SimpleUploadedFile(name, data)]})
        assert response.status_code == 400, what
        assert escape(" ".join(refused.value.messages)) in response.content.decode(), what
    assert not Representation.objects.exists() and Evidence.objects.count() == evidence
    ban.refresh_from_db()
    assert ban.state == Sanction.State.PROVISIONAL
