"""Each school's settings and users history shows what was done at that school only: Oakfield's
administrator never reads that Hillside changed its rules, invited a colleague or reset someone's second
factor (issue 25.1: every page scoped to the school in hand)."""

import pytest

from incidents.administration import services
from incidents.models import AdministrationEvent
from incidents.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def _administrator(school, username):
    user = factories.UserFactory(username=username, first_name=username.title(), last_name="Admin")
    factories.give_role(user, Role.ADMIN, school=school)
    return user


@pytest.fixture
def two_schools(school):
    oakfield = factories.SchoolFactory(name="Oakfield Academy", code="OAK")
    return school, oakfield, _administrator(school, "hilda"), _administrator(oakfield, "otto")


def test_a_schools_history_never_shows_what_another_school_did(two_schools, client):
    hillside, oakfield, hilda, otto = two_schools
    services.school_settings_change(school=hillside, by=hilda, changes={"retention_years": 9})
    services.user_invite(email="secret.deputy@hillside.example", first_name="Sadie", last_name="Secret",
                         roles=[Role.LEAD], by=hilda)
    services.school_settings_change(school=oakfield, by=otto, changes={"retention_years": 8})
    assert AdministrationEvent.objects.filter(school=hillside).count() == 2

    client.force_login(otto)
    for path in ("/settings/history/", "/settings/"):
        page = client.get(path).content.decode()
        assert "Otto Admin changed" in page, path
        assert "Hilda Admin" not in page and "Sadie Secret" not in page, path

    client.force_login(hilda)
    page = client.get("/settings/history/").content.decode()
    assert "Hilda Admin invited Sadie Secret" in page and "Otto Admin" not in page


def test_a_colleagues_page_shows_only_what_this_school_did_about_them(two_schools, client):
    hillside, oakfield, hilda, otto = two_schools
    both = factories.UserFactory(username="bea", first_name="Bea", last_name="Both", email="bea@example.org")
    factories.give_role(both, Role.OFFICE, school=hillside)
    factories.give_role(both, Role.OFFICE, school=oakfield)
    hilda.at(hillside)
    services.user_roles_change(user=both, roles=[Role.LEAD], by=hilda)

    client.force_login(otto)
    page = client.get(f"/users/{both.pk}/").content.decode()
    assert "Bea Both" in page and "changed the roles" not in page and "Hilda" not in page
    client.force_login(hilda)
    assert "Hilda Admin changed the roles of Bea Both" in client.get(f"/users/{both.pk}/").content.decode()
