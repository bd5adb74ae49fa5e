"""Who sees which case — on every list, search, count, detail and download."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.access.visibility import cases_visible_to
from incidents.cases import services as case_services
from incidents.decisions import complaints, sanctions
from incidents.evidence import services as evidence_services
from incidents.models import Sanction
from incidents.roles import Role
from policies.models import ResponseType
from tests import factories
from tests.incidents.conftest import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(cast, chair, panel_member):
    """The standing cast, with the chair of governors and a governor who sits on a complaint's panel."""
    return {**cast, "chair": chair, "panel": panel_member}


@pytest.fixture
def world(everyone, log_concern, school):
    cast = everyone
    office, lead, head, governor = cast["office"], cast["lead"], cast["head"], cast["governor"]
    other_office = factories.UserFactory(username="office2", role=Role.OFFICE)
    other_lead = factories.UserFactory(username="lead2", role=Role.LEAD)

    def make(name, *, by=office, **flags):
        case = log_concern(by=by, description=f"Concern about {name} posting").case
        for field, value in flags.items():
            if field in {"governors", "assignees"}:
                getattr(case, field).set(value)
            else:
                setattr(case, field, value)
        case.title = f"Case {name}"
        case.save()
        evidence_services.evidence_add(case=case, by=head, data=PNG, file_name=f"{name}.png", provided_by="x",
                                       provided_at=timezone.now())
        return case

    def decided(name, *, ban: bool = False):
        """A decided case (opened by the lead), with a concern logged by another office member."""
        codes = [ResponseType.Code.PROVISIONAL_BAN] if ban else [ResponseType.Code.WARNING]
        case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=codes)
        case_services.concern_log(school=school, by=other_office, received_at=timezone.now(), channel="phone",
                                  description=f"Concern about {name} posting", parents=list(case.parents.all()),
                                  link_to=case)
        evidence_services.evidence_add(case=case, by=head, data=PNG, file_name=f"{name}.png", provided_by="x",
                                       provided_at=timezone.now())
        return case

    ban_case = decided("ban_under_review", ban=True)
    sanctions.sanction_transition(sanction=ban_case.sanctions.get(), to=Sanction.State.PROVISIONAL, by=head,
                                  details={"reasons": "Threats.", "conditions": "Side gate.",
                                           "starts_on": timezone.localdate()})
    panel_case = decided("before_the_panel")
    complaint = complaints.complaint_record(case=panel_case, by=lead, received_on=timezone.localdate(),
                                            summary="The warning is unfair.")
    complaints.complaint_refer(complaint=complaint, by=head, governors=[cast["panel"]], on=timezone.localdate())

    return {
        "ban_under_review": ban_case,
        "before_the_panel": panel_case,
        "logged_by_office": make("logged_by_office", lead=lead),
        "other_office": make("other_office", by=other_office),
        "restricted_other": make("restricted_other", restricted=True, lead=other_lead),
        "restricted_mine": make("restricted_mine", restricted=True, lead=lead),
        "restricted_office": make("restricted_office", restricted=True),
        "safeguarding": make("safeguarding", by=other_office, safeguarding=True),
        "referred": make("referred", by=other_office, governors=[governor]),
        "office_assigned": make("office_assigned", by=other_office, restricted=True, assignees=[office]),
    }


EXPECTED = {
    "office": {"logged_by_office", "office_assigned"},
    "lead": {"logged_by_office", "other_office", "restricted_mine", "safeguarding", "referred", "ban_under_review",
             "before_the_panel"},
    "head": {"logged_by_office", "other_office", "restricted_other", "restricted_mine", "restricted_office",
             "safeguarding", "referred", "office_assigned", "ban_under_review", "before_the_panel"},
    "dsl": {"safeguarding"},
    "governor": {"referred"},
    "chair": {"ban_under_review"},  # the ban they review with the Head Teacher, and nothing else
    "panel": {"before_the_panel"},  # the complaint referred to their panel
    "admin": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_exactly_its_cases_everywhere(role, everyone, world, client):
    user = everyone[role]
    expected = {world[name].reference for name in EXPECTED[role]}
    assert set(cases_visible_to(user).values_list("reference", flat=True)) == expected
    assert set(cases_visible_to(user, for_page=True).values_list("reference", flat=True)) == expected

    client.force_login(user)
    listing = client.get("/cases/").content.decode()
    searched = client.get("/cases/", {"q": "posting"}).content.decode()
    for name, case in world.items():
        visible = case.reference in expected
        assert (case.reference in listing) is visible, (role, name, "list")
        assert (case.reference in searched) is visible, (role, name, "search")
        detail = client.get(f"/cases/{case.reference}/")
        assert detail.status_code == (200 if visible else 404), (role, name, "detail")
        if not visible:  # the school's own page, never a debug page
            assert "There is nothing here" in detail.content.decode(), (role, name)
        evidence = case.evidence.get()
        download = client.get(f"/cases/{case.reference}/evidence/{evidence.pk}/download/")
        assert download.status_code == (200 if visible else 404), (role, name, "download")
        history = client.get(f"/cases/{case.reference}/history/")
        assert history.status_code == (200 if visible else 404), (role, name, "history")
    assert f'data-testid="case-count">{len(expected)}<' in listing


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    case = world["logged_by_office"]
    for url in ["/cases/", f"/cases/{case.reference}/", f"/cases/{case.reference}/evidence/1/download/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_opening_a_restricted_case_is_logged_for_the_head_teacher(world, client, cast):
    case = world["restricted_mine"]
    client.force_login(cast["lead"])
    client.get(f"/cases/{case.reference}/")
    client.force_login(cast["head"])
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert list(case.accesses.values_list("user__username", flat=True)) == ["head", "lead"]
    assert 'data-testid="access-log"' in page and cast["lead"].display_name in page


def test_a_change_of_role_changes_what_the_same_user_object_sees(cast, world):
    """The visibility SQL is kept on the user object for the request (with its roles): a user whose
    roles are read again sees by the new roles, never by the ones the SQL was first written for."""
    office = cast["office"]
    assert set(cases_visible_to(office)) == {world["logged_by_office"], world["office_assigned"]}
    office.memberships.get().roles.set([Group.objects.get(name=Role.GOVERNOR.value)])
    del office.role_names  # read again, as on the next request
    assert set(cases_visible_to(office)) == {world["office_assigned"]}  # assigned; referred to no one
    assert set(cases_visible_to(office, for_page=True)) == {world["office_assigned"]}
