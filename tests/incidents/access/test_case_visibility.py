"""Who sees which case — on every list, search, count, detail and download."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.access.visibility import cases_visible_to
from incidents.evidence import services as evidence_services
from incidents.roles import Role
from tests import factories
from tests.incidents.conftest import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast, log_concern, school):
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

    return {
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
    "lead": {"logged_by_office", "other_office", "restricted_mine", "safeguarding", "referred"},
    "head": {"logged_by_office", "other_office", "restricted_other", "restricted_mine", "restricted_office",
             "safeguarding", "referred", "office_assigned"},
    "dsl": {"safeguarding"},
    "governor": {"referred"},
    "admin": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_exactly_its_cases_everywhere(role, cast, world, client):
    user = cast[role]
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
