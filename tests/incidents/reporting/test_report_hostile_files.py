"""The public form refuses every hostile file that evidence refuses, saying what evidence says, and
keeps nothing: not the concern, not the good file sent with it."""

from html import escape

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.evidence import services as evidence_services
from incidents.models import Concern, Evidence, ReportedFile
from tests.factories import PNG
from tests.incidents.evidence.hostile import HOSTILE_FILES
from tests.incidents.reporting.test_report_form import stored_files

pytestmark = pytest.mark.django_db

# Where the form has its own words: a chat export may be a .zip or a .txt, so a zip named .txt is
# refused as such rather than as a file whose name does not match.
OWN_WORDS = {"zip named .txt": "is a zip file"}


def _evidence_refusal(case, office, name: str, data: bytes) -> str:
    with pytest.raises(ValidationError) as refused:
        evidence_services.evidence_add(case=case, by=office, data=data, file_name=name, provided_by="x",
                                       provided_at=timezone.now())
    return " ".join(refused.value.messages)


def test_every_hostile_file_evidence_refuses_the_form_refuses(school, case, office, post_report, private_storage):
    concerns = Concern.objects.count()
    for what, name, data in HOSTILE_FILES:
        says = _evidence_refusal(case, office, name, data)
        cache.clear()  # each try from a fresh address count: this is not the rate limit's test
        response = post_report(files=[("screenshot.png", PNG), (name, data)])
        page = response.content.decode()
        assert response.status_code == 200, what
        assert escape(OWN_WORDS.get(what, says)) in page, what
        assert "Ruth Adeyemi" in page, what  # what was typed is kept in the form
        assert Concern.objects.count() == concerns and not ReportedFile.objects.exists(), what
    assert not Evidence.objects.exists() and stored_files(private_storage) == []
