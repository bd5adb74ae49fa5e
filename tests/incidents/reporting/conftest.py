import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.reporting import services


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The rate limit counts in the cache, which outlives a test: each test starts uncounted."""
    cache.clear()


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def report_data(**overrides) -> dict:
    """What a parent types into /report/ (files under "screenshots")."""
    data = {
        "reporter_is": "parent", "description": "A dad called the class teacher a liar in the Year 3 group.",
        "about": "Karl Dunn", "channel": "whatsapp", "where_detail": "Year 3 parents",
        "happened_on": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "name": "Ruth Adeyemi", "contact": "07700 900123", "leave_this_empty": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def post_report(plain_client):
    """post_report(files=[...], **fields) → the response to an anonymous POST of the public form."""

    def post(files=(), client=None, **overrides):
        data = report_data(**overrides)
        if files:
            data["screenshots"] = [SimpleUploadedFile(name, content) for name, content in files]
        return (client or plain_client).post("/report/", data)

    return post


@pytest.fixture
def reported(school, private_storage):
    """reported(files=[...], **fields) → a concern reported online, through the service."""

    def report(files=(), **overrides):
        values = {
            "school": school, "description": "Threatening messages about the head in the Year 5 group.",
            "channel": "whatsapp", "where_detail": "Year 5 parents", "happened_on": timezone.localdate(),
            "about": "Karl Dunn", "reporter_is": "moderator", "name": "Sam Moderator",
            "contact": "sam@example.com", "anonymous_to_parent": True,
            "files": [services.SentFile(name, data) for name, data in files],
        }
        values.update(overrides)
        return services.concern_report(**values)

    return report
