import pytest
from django.contrib.auth.models import Group

from incidents.roles import Role, ensure_role_groups


@pytest.mark.django_db
def test_roles_exist_as_groups_with_permissions():
    # The migration makes them; a transactional test run earlier in this process flushed the tables, and
    # ensure_role_groups (what seed_demo and setup_school run) puts them back as the migration made them.
    ensure_role_groups()
    for role in Role:
        group = Group.objects.get(name=role.value)
        assert group.permissions.exists(), role


@pytest.mark.django_db
def test_home_page_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


@pytest.mark.django_db
def test_sign_in_page_is_styled_and_public(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in to Casebook" in response.content
    assert b"/static/vendor/bootstrap/bootstrap.min.css" in response.content
    assert b"cdn" not in response.content.lower()


def test_signing_in_shows_who_and_their_role(client, head):
    head.set_password("right-password")
    head.save()
    response = client.post("/accounts/login/", {"username": "head", "password": "right-password"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert head.first_name in page
    assert "Head Teacher" in page


def test_a_wrong_password_is_refused_plainly(client, head):
    response = client.post("/accounts/login/", {"username": "head", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_signing_out_ends_the_session(client, office):
    client.force_login(office)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_admin_site_needs_sign_in(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302

