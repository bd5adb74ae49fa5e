"""Case search: full-text on PostgreSQL (GIN-indexed search document), plain matching on SQLite."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.cases.selectors import case_search
from incidents.evidence import services as evidence_services
from incidents.models import Case

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


def _found(text: str) -> set[str]:
    return set(case_search(Case.objects.all(), text).values_list("reference", flat=True))


def test_search_finds_words_of_a_concern_description(log_concern):
    case = log_concern(description="Called the deputy head useless in the Year 4 group.").case
    other = log_concern(description="Posted links to a business many times a day.").case
    assert _found("deputy useless") == {case.reference}
    assert _found("business") == {other.reference}


def test_search_needs_every_word(log_concern):
    log_concern(description="Called the deputy head useless.")
    assert _found("deputy banana") == set()


def test_search_finds_a_case_by_its_reference(log_concern):
    case = log_concern().case
    assert _found(case.reference.lower()) == {case.reference}


def test_search_finds_a_statement_added_after_the_case_was_opened(log_concern, lead):
    case = log_concern(description="Posted in the class group.").case
    assert _found("gatepost") == set()
    evidence_services.statement_add(case=case, by=lead, given_by="A teaching assistant", given_on=datetime.date(2026,
                                    10, 1),
                                    text="He shouted at me by the gatepost.")
    assert _found("gatepost") == {case.reference}


def test_search_finds_a_new_title_after_an_edit(log_concern, lead):
    case = log_concern().case
    case_services.case_update(case=case, by=lead, expected_version=case.version, title="Threats at the zebra crossing")
    assert _found("zebra") == {case.reference}


def test_search_ignores_query_syntax_typed_by_the_user(log_concern):
    case = log_concern(description="Called the deputy head useless.").case
    assert _found("deputy & | ! ( :*") == {case.reference}
    assert _found("&|!") == set()


@postgres_only
def test_search_matches_other_forms_of_a_word_and_a_half_typed_last_word(log_concern):
    case = log_concern(description="She threatened the deputy head at the gate.").case
    assert _found("threats") == {case.reference}  # English stemming
    assert _found("deputy thre") == {case.reference}  # the last word as a prefix


@postgres_only
def test_search_uses_the_gin_index_on_postgres(log_concern):
    log_concern(received_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'incidents_case_search_gin'")
        assert "gin (search_document)" in cursor.fetchone()[0]
