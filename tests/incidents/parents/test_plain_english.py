"""The parent's letter page, in each state a parent meets it, and the plain page for a link that does
not work, are written for a reading age of about 9 to 11 (tests.readability). The letter quoted on
the page is the school's own template and is not the page's wording: it is left out."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PNG
from tests.incidents.parents.test_parent_answers import _once, _verified
from tests.readability import assert_plain_english, visible_text

pytestmark = pytest.mark.django_db

NOT_THE_PAGES_WORDS = ("parent-letter", "school-contact")


def _check(name: str, html: str) -> None:
    assert_plain_english(name, html, leave_out=NOT_THE_PAGES_WORDS)


def test_the_letter_page_reads_at_a_reading_age_of_eleven_or_under(
        ban_letter, plain_client, mailoutbox, django_capture_on_commit_callbacks):
    _case, _ban, letter, path = ban_letter
    pages = {"as opened": plain_client.get(path).content.decode()}
    assert letter.subject not in visible_text(pages["as opened"], leave_out=NOT_THE_PAGES_WORDS)
    plain_client.post(path + "code/")
    pages["waiting for the code"] = plain_client.get(path).content.decode()
    pages["a wrong code"] = plain_client.post(path + "check-code/", {"code": "000000"}).content.decode()
    _verified(plain_client, path, mailoutbox, django_capture_on_commit_callbacks)
    pages["ready for the reply"] = plain_client.get(path).content.decode()
    pages["a reply with a bad file"] = plain_client.post(path + "reply/", {
        "text": "My side.", "once": _once(plain_client, path),
        "files": [SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>")]}).content.decode()
    plain_client.post(path + "got-it/")
    plain_client.post(path + "reply/", {"text": "I was not there.", "once": _once(plain_client, path),
                                        "files": [SimpleUploadedFile("gate.png", PNG)]})
    pages["after the reply"] = plain_client.get(path, follow=True).content.decode()
    pages["a link that does not work"] = plain_client.get("/letter/not-a-link/").content.decode()
    for name, page in pages.items():
        _check(name, page)
