"""The public pages are written for a parent with a reading age of about 9 to 11 (GOV.UK's aim):
short sentences of short words. Measured with the Flesch-Kincaid grade (reading age ≈ grade + 5),
syllables counted with pyphen's British English hyphenation (an estimate, on the low side)."""

import re
from html import unescape

import pyphen
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HYPHENATION = pyphen.Pyphen(lang="en_GB")
# Grade 6 = reading age 11: the top of the range the issue asks for.
HIGHEST_GRADE = 6


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", "", html, flags=re.S)
    html = re.sub(r'<div class="d-none".*?</div>', "", html, flags=re.S)  # the hidden box
    # Each heading, label, item and paragraph reads as a sentence of its own.
    text = re.sub(r"<(li|p|h1|h2|label|legend|div|dt|dd|address|br)\b[^>]*>", ". ", html)
    return unescape(re.sub(r"<[^>]+>", " ", text))


def flesch_kincaid_grade(text: str) -> float:
    sentences = [s for s in re.split(r"[.!?:]+(?:\s|$)", text) if re.search(r"[A-Za-z]", s)]
    words = re.findall(r"[A-Za-z']+", text)
    syllables = sum(len(HYPHENATION.inserted(word).split("-")) for word in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59


def test_a_hard_text_scores_as_hard():
    hard = ("Notwithstanding the aforementioned considerations, the institution's administrative "
            "determination necessitates comprehensive substantiation prior to implementation.")
    assert flesch_kincaid_grade(hard) > 12


@pytest.mark.parametrize("switched_on", [True, False])
def test_the_public_pages_read_at_a_reading_age_of_eleven_or_under(school, post_report, switched_on):
    school.online_reporting = switched_on
    school.save()
    client = Client()
    pages = [client.get("/report/").content.decode()]
    if switched_on:
        post_report(client=client)
        pages.append(client.get("/report/thanks/").content.decode())
    for page in pages:
        grade = flesch_kincaid_grade(_visible_text(page))
        assert grade <= HIGHEST_GRADE, f"grade {grade:.1f}"
