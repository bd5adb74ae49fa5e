"""Issue 25: an administrator deactivating someone who also works at another school (or holds a trust
role) ends their membership here only; the account is deactivated only when nothing else is left."""

import pytest

from incidents.access.schools import SCHOOL_CHOSEN
from incidents.models import AdministrationEvent, Membership, TrustMembership, User
from incidents.roles import Role
from policies.models import Trust
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def oakfield(school):
    return factories.SchoolFactory(name="Oakfield Academy", code="OAK")


@pytest.fixture
def dana(school, oakfield):
    """A deputy who leads investigations at Hillside and is the office at Oakfield."""
    dana = factories.UserFactory(username="dana", first_name="Dana", last_name="Deputy")
    factories.give_role(dana, Role.LEAD, school=school)
    factories.give_role(dana, Role.OFFICE, school=oakfield)
    return dana


def test_deactivating_someone_of_two_schools_ends_only_this_schools_membership(
        client, administrator, school, oakfield, dana):
    client.force_login(administrator)

    response = client.post(f"/users/{dana.pk}/deactivate/", follow=True)

    dana.refresh_from_db()
    assert dana.is_active
    assert list(Membership.objects.filter(user=dana).values_list("school__code", flat=True)) == ["OAK"]
    assert "no longer works at Hillside Primary School" in response.content.decode()
    assert response.redirect_chain[-1][0] == "/users/"
    assert "Dana Deputy" not in client.get("/users/").content.decode()  # no longer one of Hillside's users
    event = AdministrationEvent.objects.get(user=dana, action=AdministrationEvent.Action.MEMBERSHIP_ENDED)
    assert event.by == administrator and "Hillside Primary School" in event.summary

    # Dana still works at Oakfield, and holds no role at Hillside even if her session asks for it.
    client.force_login(dana)
    session = client.session
    session[SCHOOL_CHOSEN] = school.pk
    session.save()
    home = client.get("/")
    assert home.status_code == 200 and home.wsgi_request.school == oakfield
    assert dana.at(school).role_names == frozenset() and dana.at(oakfield).has_role(Role.OFFICE)


def test_deactivating_someone_of_one_school_deactivates_the_account(client, administrator, school, oakfield, dana):
    Membership.objects.filter(user=dana, school=oakfield).delete()
    client.force_login(administrator)

    client.post(f"/users/{dana.pk}/deactivate/")

    dana.refresh_from_db()
    assert not dana.is_active
    assert Membership.objects.filter(user=dana, school=school).exists()  # kept, for a reactivation
    assert AdministrationEvent.objects.filter(user=dana, action=AdministrationEvent.Action.USER_DEACTIVATED).exists()


def test_the_last_school_ending_a_membership_then_deactivates_the_account(client, school, oakfield, dana):
    hillside_admin = factories.UserFactory(username="hil-admin", role=Role.ADMIN)
    oakfield_admin = factories.give_role(factories.UserFactory(username="oak-admin"), Role.ADMIN, school=oakfield)

    client.force_login(hillside_admin)
    client.post(f"/users/{dana.pk}/deactivate/")
    assert User.objects.get(pk=dana.pk).is_active

    client.force_login(oakfield_admin)
    client.post(f"/users/{dana.pk}/deactivate/")
    assert not User.objects.get(pk=dana.pk).is_active


def test_a_trust_role_keeps_the_account_open(client, administrator, school, oakfield, dana):
    Membership.objects.filter(user=dana, school=oakfield).delete()
    TrustMembership.objects.create(user=dana, trust=Trust.objects.create(name="Northern Trust"), leader=True)
    client.force_login(administrator)

    client.post(f"/users/{dana.pk}/deactivate/")

    dana.refresh_from_db()
    assert dana.is_active and not Membership.objects.filter(user=dana).exists()


def test_another_schools_administrator_cannot_touch_someone_not_of_their_school(client, oakfield, school):
    hillside_only = factories.UserFactory(username="hil-only", role=Role.OFFICE)
    oakfield_admin = factories.give_role(factories.UserFactory(username="oak-admin"), Role.ADMIN, school=oakfield)
    client.force_login(oakfield_admin)

    assert client.post(f"/users/{hillside_only.pk}/deactivate/").status_code == 404
    assert User.objects.get(pk=hillside_only.pk).is_active
