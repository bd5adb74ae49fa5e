"""Issue 25.2: a trust's safeguarding lead sees the safeguarding cases of every school of the trust and
nothing else; its leaders read anonymised statistics across the trust's schools at /trust/, and no case.

Hillside and Oakfield belong to the Northern Trust, Riverside to none. Each has an ordinary case and an
unrestricted safeguarding case, about a parent whose surname is the school's own.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.access.schools import SCHOOL_CHOSEN
from incidents.cases import services as case_services
from incidents.decisions import services as decision_services
from incidents.models import Case, TrustMembership
from incidents.reports import statistics as reports
from incidents.roles import Role
from policies.defaults import load_defaults
from policies.models import ResponseType, Trust
from tests import factories

pytestmark = pytest.mark.django_db

SURNAMES = {"HIL": "Alderton", "OAK": "Birchwood", "RIV": "Cloverdale"}


def _cases_of(school, office) -> dict[str, Case]:
    parent = factories.ParentFactory(school=school, first_name="Quentin", last_name=SURNAMES[school.code])
    cases = {}
    for kind, safeguarding in (("ordinary", False), ("safeguarding", True)):
        concern = case_services.concern_log(
            school=school, by=office, received_at=timezone.now() - datetime.timedelta(days=3), channel="whatsapp",
            description=f"Posted about a teacher at {school.name} ({kind}).", parents=[parent],
            safeguarding=safeguarding, raised_by_name=f"Raiser {school.code}")
        Case.objects.filter(pk=concern.case_id).update(title=f"Messages {kind} {school.code}")
        cases[kind] = Case.objects.get(pk=concern.case_id)
    return cases


@pytest.fixture
def trust():
    return Trust.objects.create(name="Northern Trust")


@pytest.fixture
def schools(school, trust):
    oakfield = factories.SchoolFactory(name="Oakfield Academy", code="OAK", trust=trust)
    riverside = factories.SchoolFactory(name="Riverside School", code="RIV")
    school.trust = trust
    school.save()
    return {"HIL": school, "OAK": oakfield, "RIV": riverside}


@pytest.fixture
def cases(schools, office) -> dict[str, dict[str, Case]]:
    result = {}
    for code, school in schools.items():
        staff = office if code == "HIL" else factories.give_role(
            factories.UserFactory(username=f"{code.lower()}-office"), Role.OFFICE, school=school)
        result[code] = _cases_of(school, staff)
    return result


def _trust_member(trust, username: str, **roles: bool):
    user = factories.UserFactory(username=username, first_name="Tess", last_name=username.title())
    TrustMembership.objects.create(user=user, trust=trust, **roles)
    return user


@pytest.fixture
def trust_dsl(trust):
    return _trust_member(trust, "trustdsl", safeguarding_lead=True)


@pytest.fixture
def trust_leader(trust):
    return _trust_member(trust, "trustleader", leader=True)


def _switch(client, school):
    return client.post(reverse("school_switch"), {"school": school.pk, "next": "/cases/"})


def _text(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


# --- the trust's safeguarding lead ---

def test_trust_safeguarding_lead_sees_each_trust_schools_safeguarding_cases_and_nothing_else(
        client, trust_dsl, cases):
    client.force_login(trust_dsl)
    for code in ("HIL", "OAK"):
        assert _switch(client, cases[code]["safeguarding"].school).status_code == 302
        listed = client.get("/cases/").content.decode()
        assert cases[code]["safeguarding"].reference in listed
        assert cases[code]["ordinary"].reference not in listed  # not safeguarding
        other = "OAK" if code == "HIL" else "HIL"
        assert cases[other]["safeguarding"].reference not in listed  # one school in hand at a time
        assert client.get(f"/cases/{cases[code]['safeguarding'].reference}/").status_code == 200
        assert client.get(f"/cases/{cases[code]['ordinary'].reference}/").status_code == 404
        assert client.get(f"/cases/{cases[other]['safeguarding'].reference}/").status_code == 404
        assert SURNAMES[code] in client.get("/cases/", {"q": SURNAMES[code]}).content.decode()


def test_trust_safeguarding_lead_never_reaches_a_school_outside_the_trust(client, trust_dsl, cases, schools):
    client.force_login(trust_dsl)
    assert _switch(client, schools["RIV"]).status_code == 404
    session = client.session
    session[SCHOOL_CHOSEN] = schools["RIV"].pk  # asked for all the same: the first trust school instead
    session.save()
    listed = client.get("/cases/", {"q": SURNAMES["RIV"]}).content.decode()
    assert "Hillside Primary School" in client.get("/").content.decode()
    for case in cases["RIV"].values():
        assert case.reference not in listed
        assert client.get(f"/cases/{case.reference}/").status_code == 404
    assert trust_dsl.at(schools["RIV"]).role_names == frozenset()


def test_the_switcher_offers_the_trust_schools_only(client, trust_dsl, schools):
    client.force_login(trust_dsl)
    nav = client.get("/").content.decode()
    assert "Oakfield Academy" in nav and "Riverside School" not in nav


def test_a_school_leaving_the_trust_is_closed_to_its_safeguarding_lead_at_once(client, trust_dsl, cases, schools):
    client.force_login(trust_dsl)
    _switch(client, schools["OAK"])
    reference = cases["OAK"]["safeguarding"].reference
    assert client.get(f"/cases/{reference}/").status_code == 200
    schools["OAK"].trust = None
    schools["OAK"].save()
    assert client.get(f"/cases/{reference}/").status_code == 404
    assert reference not in client.get("/cases/").content.decode()


def test_a_restricted_safeguarding_case_stays_with_those_the_head_allows(client, trust_dsl, cases):
    Case.objects.filter(pk=cases["HIL"]["safeguarding"].pk).update(restricted=True)
    client.force_login(trust_dsl)
    assert client.get(f"/cases/{cases['HIL']['safeguarding'].reference}/").status_code == 404


# --- the trust's leaders ---

def _decide(case: Case, *, lead, head) -> None:
    load_defaults(school=case.school)
    warning = ResponseType.objects.get(school=case.school, code="warning")
    case.lead = lead
    case.save()
    case_services.case_transition(case=case, to="investigating", by=lead)
    decision_services.recommendation_submit(case=case, by=lead, responses=[warning], clauses=[],
                                            facts_found="Posted abuse.", reasons="First time.")
    decision_services.decision_record(case=case, by=head, reasons="Proportionate.", responses=[warning])


def test_trust_leader_reads_counts_responses_and_time_to_decision_by_school_and_term(
        client, trust_leader, cases, lead, head):
    _decide(cases["HIL"]["ordinary"], lead=lead, head=head)
    warning = ResponseType.objects.get(school=cases["HIL"]["ordinary"].school, code="warning").name
    client.force_login(trust_leader)

    page = client.get("/trust/").content.decode()

    assert "Hillside Primary School" in page and "Oakfield Academy" in page and "Riverside School" not in page
    assert f"{warning}: 1" in page
    hillside = Case.objects.filter(school__code="HIL")
    assert reports.median_days_to_decision(hillside) == 3
    assert reports.term_of(timezone.localdate()).name in page
    # Nothing that names a person or a case, of any school.
    for code, school_cases in cases.items():
        for case in school_cases.values():
            assert case.reference not in page and case.title not in page
            assert case.concerns.first().description not in page
        assert SURNAMES[code] not in page and f"Raiser {code}" not in page
    assert lead.last_name not in page and head.last_name not in page and "Okafor" not in page


def test_trust_leader_gets_404_on_every_case_url(client, trust_leader, cases):
    client.force_login(trust_leader)
    for school_cases in cases.values():
        for case in school_cases.values():
            assert client.get(f"/cases/{case.reference}/").status_code == 404
            assert client.get(f"/cases/{case.reference}/history/").status_code == 404
    listed = client.get("/cases/").content.decode()
    assert not any(case.reference in listed for school_cases in cases.values() for case in school_cases.values())


def test_another_trusts_leader_and_staff_are_refused_the_trust_statistics(client, cases, head, schools):
    other = Trust.objects.create(name="Southern Trust")
    schools["RIV"].trust = other
    schools["RIV"].save()
    client.force_login(_trust_member(other, "southleader", leader=True))
    page = client.get("/trust/").content.decode()
    assert "Riverside School" in page and "Hillside Primary School" not in page and "Oakfield" not in page
    client.force_login(head)
    assert client.get("/trust/").status_code == 403
    client.force_login(_trust_member(other, "southdsl", safeguarding_lead=True))
    assert client.get("/trust/").status_code == 403


def test_the_trust_link_is_shown_to_trust_leaders_only(client, trust_leader, head, schools):
    client.force_login(trust_leader)
    assert 'href="/trust/"' in client.get("/").content.decode()
    client.force_login(head)
    assert 'href="/trust/"' not in client.get("/").content.decode()


# --- governors' reports, which the trust statistics reuse, count their own school only ---

def test_a_governors_report_and_export_count_only_their_schools_cases(client, governor, cases):
    client.force_login(governor)
    hillside = Case.objects.filter(school__code="HIL").count()
    assert reports.statistics_cases(governor.at(cases["HIL"]["ordinary"].school)).count() == hillside
    rows = _text(client.get("/reports/cases.csv")).strip().splitlines()
    assert len(rows) == 1 + hillside < 1 + Case.objects.count()


def test_the_termly_report_counts_only_the_schools_own_cases(cases, schools):
    term = reports.term_of(timezone.localdate())
    for code, school in schools.items():
        assert reports.termly_report(term=term, school=school).total == len(cases[code]) < Case.objects.count()
