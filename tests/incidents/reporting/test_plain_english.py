"""/report/ is written for a parent with a reading age of about 9 to 11 (GOV.UK's aim): short
sentences of short words, measured by tests.readability."""

import pytest
from django.test import Client

from tests.readability import assert_plain_english, flesch_kincaid_grade

pytestmark = pytest.mark.django_db


def test_a_hard_text_scores_as_hard():
    hard = ("Notwithstanding the aforementioned considerations, the institution's administrative "
            "determination necessitates comprehensive substantiation prior to implementation.")
    assert flesch_kincaid_grade(hard) > 12
    assert flesch_kincaid_grade("The cat sat on the mat. We got your note.") < 2


@pytest.mark.parametrize("switched_on", [True, False])
def test_the_public_pages_read_at_a_reading_age_of_eleven_or_under(school, post_report, switched_on):
    school.online_reporting = switched_on
    school.save()
    client = Client()
    pages = {"the form": client.get("/report/").content.decode()}
    if switched_on:
        pages["a form with mistakes"] = post_report(client=client, description="").content.decode()
        post_report(client=client)
        pages["thank you"] = client.get("/report/thanks/").content.decode()
    for name, page in pages.items():
        assert_plain_english(name, page)
