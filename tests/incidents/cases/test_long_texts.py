"""Long texts are kept whole and never stop a save: PostgreSQL's tsvector holds at most 1 MB, so the
search document reads a bounded prefix of each text."""

import pytest

from incidents.cases.selectors import case_search
from incidents.models import Case, Concern, Statement

pytestmark = pytest.mark.django_db


def distinct_words(count: int, prefix: str) -> str:
    # Distinct short words make the largest tsvector for their length.
    return " ".join(f"{prefix}{n}x" for n in range(count))


def test_a_description_of_about_a_megabyte_is_kept_whole_and_searchable(client_for, office, parent):
    description = "Opening words about the gate. " + distinct_words(130_000, "w")
    assert len(description) > 1_000_000
    response = client_for(office).post("/concerns/new/", {
        "received_at": "2026-10-12T21:20", "channel": "whatsapp", "description": description,
        "parents": [parent.pk], "raised_by_name": "Ruth", "submission_token": "big-1"})
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.description == description
    assert set(case_search(Case.objects.all(), "gate").values_list("pk", flat=True)) == {concern.case_id}


@pytest.mark.parametrize("script", ["latin", "greek"])
def test_several_large_statements_are_kept_whole(client_for, lead, case, script):
    client = client_for(lead)
    for number in range(4):
        if script == "latin":
            text = f"Statement {number} mentions the playground. " + distinct_words(60_000, f"s{number}")
        else:  # one-letter words of two-byte letters: the densest tsvector per character
            text = "playground " + " ".join(chr(0x3B1 + (n % 25)) + chr(0x3B1 + (n // 25 % 25)) for n in range(200_000))
        response = client.post(f"/cases/{case.reference}/statements/new/", {
            "given_by": f"Witness {number}", "given_on": "2026-10-13", "text": text,
            "submission_token": f"st-{script}-{number}"})
        assert response.status_code == 302
        assert Statement.objects.get(given_by=f"Witness {number}").text == text
    assert case.pk in set(case_search(Case.objects.all(), "playground").values_list("pk", flat=True))
