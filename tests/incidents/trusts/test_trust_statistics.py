"""Issue 25.4: the trust statistics at scale. A fixed number of queries however many schools and
terms, and the same figures as each school's own reports (incidents.reports.statistics) would give
over the same cases: the term a case was opened in, days from the first concern to the decision, the
responses of the decision in force (a superseded one no longer counts), "No further action"."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.decisions import services as decision_services
from incidents.models import Case, Concern, TrustMembership
from incidents.reports import statistics as reports
from incidents.roles import Role
from incidents.trusts.selectors import trust_statistics
from policies.models import ResponseType, School, Trust
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LAST_TERM = reports.term_of(timezone.localdate() - datetime.timedelta(days=130))


@pytest.fixture
def trust():
    return Trust.objects.create(name="Northern Trust")


def _school(trust, code: str) -> School:
    return factories.SchoolFactory(name=f"{code} Academy", code=code, trust=trust)


def _staff(school: School):
    lead = factories.give_role(factories.UserFactory(username=f"{school.code.lower()}-lead"), Role.LEAD, school=school)
    head = factories.give_role(factories.UserFactory(username=f"{school.code.lower()}-head"), Role.HEAD, school=school)
    return lead.at(school), head.at(school)


def _move(case: Case, *, back: datetime.timedelta, concern_earlier: datetime.timedelta) -> None:
    """Open the case `back` ago, its concern received `concern_earlier` before that (the decision
    events stay where they are: now)."""
    opened = NOW - back
    Case.objects.filter(pk=case.pk).update(opened_at=opened)
    Concern.objects.filter(case=case).update(received_at=opened - concern_earlier)


def _cases_of(school: School, n: int) -> list[Case]:
    """`n` cases of the school over this term and the last: decided with a warning, with no further
    action, with a warning then (superseding it) a meeting, or not yet decided."""
    lead, head = _staff(school)
    ladder = factories.ladder_for(school)
    cases = []
    for i in range(n):
        kind = i % 4
        if kind == 3:
            case = factories.case_awaiting_decision(school=school, lead=lead)
        else:
            case, decision = factories.decided_case(school=school, lead=lead, head=head)
            if kind == 1:
                case = factories.case_awaiting_decision(school=school, lead=lead)
                decision_services.decision_record(case=case, by=head, reasons="Apologised.", no_further_action=True)
            if kind == 2:
                decision_services.decision_record(case=case, by=head, reasons="Corrected.", supersedes=decision,
                                                  responses=[ladder[ResponseType.Code.MEETING]],
                                                  justification="Repeated.")
        concerns = Concern.objects.filter(case=case)
        if not concerns.exists():
            factories.ConcernFactory(school=school, case=case, logged_by=lead)
        back = datetime.timedelta(days=135 + i) if i % 2 else datetime.timedelta(hours=2)
        _move(case, back=back, concern_earlier=datetime.timedelta(days=i, hours=i))
        cases.append(case)
    return cases


def _in_term(cases, term):
    start, end = reports.term_bounds(term)
    return cases.filter(opened_at__gte=start, opened_at__lt=end)


def _expected(cases):
    days = list(reports.decision_days_by_case(cases).values())
    return (cases.count(), len(days), reports.median_days_to_decision(cases), reports.cases_by_response(cases) or [])


def _got(figures):
    return (figures.cases, figures.decided, figures.median_days, figures.by_response)


def test_every_row_is_what_each_schools_own_report_gives_over_the_same_cases(trust):
    schools = [_school(trust, code) for code in ("AAA", "BBB", "CCC")]
    for school, n in zip(schools, (7, 5, 3), strict=True):
        _cases_of(school, n)
    outside = _school(None, "OUT")
    _cases_of(outside, 2)
    mine = Case.objects.filter(school__in=schools)
    this_term = reports.term_of(timezone.localdate())
    assert _in_term(mine, this_term).exists() and _in_term(mine, LAST_TERM).exists()

    whole = trust_statistics(trust)
    assert [row.label for row in whole.by_term] == [this_term.name, LAST_TERM.name]
    for row, term in zip(whole.by_term, (this_term, LAST_TERM), strict=True):
        assert _got(row) == _expected(_in_term(mine, term)), term.name
    assert _got(whole.total) == _expected(mine)
    assert _got(whole.schools_total) == _expected(mine)
    assert [row.label for row in whole.by_school] == ["AAA Academy", "BBB Academy", "CCC Academy"]
    for row, school in zip(whole.by_school, schools, strict=True):
        assert _got(row) == _expected(mine.filter(school=school)), school.code
    # The superseded warnings no longer count; the meetings that replaced them do.
    assert dict(whole.total.by_response)["Invitation to meet"] == 4

    for term in (this_term, LAST_TERM):
        stats = trust_statistics(trust, term=term)
        assert _got(stats.schools_total) == _expected(_in_term(mine, term))
        for row, school in zip(stats.by_school, schools, strict=True):
            assert _got(row) == _expected(_in_term(mine.filter(school=school), term)), (school.code, term.name)


def test_the_page_takes_as_many_queries_for_six_schools_as_for_two(client, trust, django_assert_max_num_queries):
    leader = factories.UserFactory(username="trustleader")
    TrustMembership.objects.create(user=leader, trust=trust, leader=True)
    for code in ("AAA", "BBB"):
        _cases_of(_school(trust, code), 4)
    client.force_login(leader)
    with CaptureQueriesContext(connection) as two:
        assert client.get("/trust/").status_code == 200
    for code in ("CCC", "DDD", "EEE", "FFF"):
        _cases_of(_school(trust, code), 4)
    with django_assert_max_num_queries(len(two)):
        page = client.get("/trust/").content.decode()
    assert "FFF Academy" in page
    with django_assert_max_num_queries(len(two)):
        assert client.get("/trust/", {"term": LAST_TERM.starts_on.isoformat()}).status_code == 200


def test_the_schools_are_shown_for_the_term_chosen(client, trust):
    leader = factories.UserFactory(username="trustleader")
    TrustMembership.objects.create(user=leader, trust=trust, leader=True)
    _cases_of(_school(trust, "AAA"), 4)
    client.force_login(leader)
    page = client.get("/trust/", {"term": LAST_TERM.starts_on.isoformat()}).content.decode()
    assert f"By school, {LAST_TERM.name}" in page
    assert f'<option value="{LAST_TERM.starts_on.isoformat()}" selected>{LAST_TERM.name}</option>' in page
    assert '<label for="term"' in page and '<th scope="row">AAA Academy</th>' in page
    for nonsense in ("2026-09-02", "autumn", "' OR 1=1"):
        assert "By school, all terms" in client.get("/trust/", {"term": nonsense}).content.decode()
