"""Private files on a shared object store (CASEBOOK_STORAGE=s3), exercised against moto's S3.

Every request reads and writes files through the storage API only, so no machine needs a local copy:
the tests point MEDIA_ROOT at a folder that must never appear. Downloads are proxied by the app after
its permission check, never redirected to the bucket.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.urls import reverse
from django.utils import timezone
from moto import mock_aws

from incidents.evidence import services as evidence_services
from incidents.letters import services as letter_services
from tests.incidents.letters.letter_setup import realistic_case

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
BUCKET = "casebook-private"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def s3(settings, monkeypatch, tmp_path):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-2")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        settings.MEDIA_ROOT = tmp_path / "no-local-files"
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": BUCKET, "region_name": "eu-west-2", "default_acl": "private", "querystring_auth": True,
            "querystring_expire": 60, "file_overwrite": False}}}
        yield client
        assert not settings.MEDIA_ROOT.exists(), "a request wrote to the local disk"


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_evidence_goes_to_the_bucket_privately_and_comes_back_through_the_app(s3, client_for, head, outsider, case):
    evidence = evidence_services.evidence_add(case=case, by=head, data=PNG, file_name="shot.png", provided_by="x",
                                              provided_at=timezone.now())
    assert _keys(s3) == [evidence.file.name]
    grants = s3.get_object_acl(Bucket=BUCKET, Key=evidence.file.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"].get("URI") is None for grant in grants), "the object is readable by a group"

    url = f"/cases/{case.reference}/evidence/{evidence.pk}/download/"
    response = client_for(head).get(url)
    assert response.status_code == 200, "downloads are proxied, not redirected to the bucket"
    assert b"".join(response.streaming_content) == PNG
    assert client_for(outsider).get(url).status_code == 404


def test_a_letter_renders_into_the_bucket_once_and_downloads(s3, school, office, lead, client_for,
                                                              django_capture_on_commit_callbacks):
    case, parent = realistic_case(school=school, office=office, lead=lead)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    with django_capture_on_commit_callbacks(execute=True):
        letter_services.letter_request_pdf(letter=letter)
    letter_services.letter_render_pdf(letter_id=letter.pk)  # a re-run, as after a worker died after the upload
    letter.refresh_from_db()
    assert [key for key in _keys(s3) if key.startswith("letters/")] == [letter.pdf.name]
    response = client_for(lead).get(reverse("incidents:letter_pdf", args=[letter.pk, letter.pdf_filename]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def _settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CASEBOOK_STORAGE"))}
    environment.update(env)
    code = "import json, config.settings.base as s; print(json.dumps(s.STORAGES['default']))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=60)


def test_the_storage_is_chosen_by_the_environment():
    assert json.loads(_settings_in_a_fresh_process().stdout)["BACKEND"].endswith("FileSystemStorage")
    chosen = json.loads(_settings_in_a_fresh_process(CASEBOOK_STORAGE="s3", AWS_STORAGE_BUCKET_NAME=BUCKET,
                                                     AWS_S3_ENDPOINT_URL="https://s3.example.org").stdout)
    assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
    assert chosen["OPTIONS"]["bucket_name"] == BUCKET and chosen["OPTIONS"]["default_acl"] == "private"
    assert chosen["OPTIONS"]["endpoint_url"] == "https://s3.example.org"
    assert chosen["OPTIONS"]["querystring_expire"] <= 60


def test_s3_without_a_bucket_or_a_misspelt_backend_is_refused():
    assert "needs AWS_STORAGE_BUCKET_NAME" in _settings_in_a_fresh_process(CASEBOOK_STORAGE="s3").stderr
    assert "must be filesystem or s3" in _settings_in_a_fresh_process(CASEBOOK_STORAGE="S3 ").stderr
