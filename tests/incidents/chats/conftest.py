import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.chats import services as chat_services
from incidents.demo.seed import DEMO_CHAT_PATH
from incidents.models import ChatMessage
from policies.models import Clause, Policy, PolicyVersion
from tests import factories

DEMO_CHAT = DEMO_CHAT_PATH.read_bytes()
AMBIGUOUS_CHAT = (Path(__file__).parent / "samples" / "android_example.txt").read_bytes()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"photo bytes" * 20


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, content in files.items():
            zipped.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def clauses(school):
    """The school's adopted code, in force before any test case's incident."""
    policy = Policy.objects.create(school=school, title="Code of conduct for parents' groups")
    version = PolicyVersion.objects.create(policy=policy, number=1, status=PolicyVersion.Status.ADOPTED,
                                           adopted_on=datetime.date(2025, 9, 1))
    texts = ["Do not raise grievances about named staff in the group.", "Abusive or personal comments."]
    return [Clause.objects.create(version=version, number=f"3.{n}", kind=Clause.Kind.INAPPROPRIATE, text=text,
                                  position=n) for n, text in enumerate(texts, start=1)]


@pytest.fixture
def chat_case(clauses, school, office, lead):
    """A case about Karl Dunn, led by `lead`, under the adopted code."""
    karl = factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")
    concern = case_services.concern_log(
        school=school, by=office, received_at=timezone.now() - datetime.timedelta(hours=1), channel="whatsapp",
        description="Called the deputy head useless in the Year 4 group.", parents=[karl],
        raised_by_name="Ruth Adeyemi",
    )
    case = concern.case
    case.lead = lead
    case.save()
    assert case.policy_version_id == clauses[0].version_id
    return case


@pytest.fixture
def import_chat(chat_case, office):
    """import_chat(data=…, name=…) → the ChatEvidenceResult of adding it to chat_case."""

    def add(data: bytes = DEMO_CHAT, name: str = "WhatsApp Chat with Year 4 Kestrels.txt"):
        return chat_services.evidence_add_chat(case=chat_case, by=office, data=data, file_name=name,
                                               provided_by="Ruth Adeyemi", provided_at=timezone.now())

    return add


def message_saying(chat_import, words: str) -> ChatMessage:
    return chat_import.messages.get(text__contains=words)
