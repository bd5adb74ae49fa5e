"""Issue 22.2: administrators invite colleagues by e-mail with their roles, change roles, deactivate (never
delete) and reset a lost second factor; a one-time link is good once, for a week, and is what lets an
invited colleague in."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.administration import services
from incidents.models import AdministrationEvent, Invitation, Notification, TwoFactorReset, User
from incidents.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum-orchard-lantern-42"


def _link(user: User) -> str:
    """The path of the newest invitation link e-mailed to `user`, read from the outbox."""
    body = Notification.objects.filter(recipient=user, kind=Notification.Kind.INVITATION).latest("pk").body
    return re.search(r"https?://[^/\s]+(/accounts/invitation/[^\s]+/)", body).group(1)


def _invite(admin_client, **overrides) -> User:
    data = {"first_name": "Dana", "last_name": "Deputy", "email": "Dana.Deputy@school.example",
            "roles": [Role.LEAD.value, Role.DSL.value], **overrides}
    response = admin_client.post("/users/invite/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(email=data["email"].lower())


@pytest.fixture
def admin_client(client, administrator, school):
    client.force_login(administrator)
    return client


def _choose_password(link: str, password: str = GOOD_PASSWORD):
    return Client().post(link, {"new_password1": password, "new_password2": password})


def test_an_invited_deputy_with_two_roles_gets_a_one_time_link_and_no_password(admin_client, administrator):
    dana = _invite(admin_client)

    assert dana.username == "dana.deputy@school.example" and dana.get_full_name() == "Dana Deputy"
    assert dana.has_role(Role.LEAD) and dana.has_role(Role.DSL) and not dana.has_role(Role.ADMIN)
    assert not dana.has_usable_password() and not dana.is_staff
    invitation = Invitation.objects.get(user=dana)
    assert invitation.invited_by == administrator
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)
    token = _link(dana).rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_digest  # only the digest is stored
    event = AdministrationEvent.objects.get(action="user_invited", user=dana)
    assert event.by == administrator and "Investigating lead, Safeguarding lead" in event.summary


def test_the_user_list_shows_names_and_roles_never_usernames(admin_client, administrator):
    factories.UserFactory(username="jbloggs77", first_name="Joe", last_name="Bloggs", email="joe@school.example",
                          role=Role.OFFICE)
    page = admin_client.get("/users/").content.decode()
    assert "Joe Bloggs" in page and "Office staff" in page
    assert "jbloggs77" not in page


def test_the_link_sets_a_password_once_and_a_replay_gets_the_plain_page(admin_client):
    dana = _invite(admin_client)
    link = _link(dana)
    assert Client().get(link).status_code == 200

    response = _choose_password(link)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    dana.refresh_from_db()
    assert dana.check_password(GOOD_PASSWORD)
    assert Invitation.objects.get(user=dana).used_at is not None

    replay = _choose_password(link, "another-password-99x")
    assert replay.status_code == 404 and "This link no longer works" in replay.content.decode()
    dana.refresh_from_db()
    assert dana.check_password(GOOD_PASSWORD)


@pytest.mark.parametrize("tamper", [lambda link: link[:-3] + "AB/",
                                    lambda link: link.replace("invitation/", "invitation/x")])
def test_a_tampered_link_gets_the_plain_page_and_sets_nothing(admin_client, tamper):
    dana = _invite(admin_client)
    response = _choose_password(tamper(_link(dana)))
    assert response.status_code == 404 and "This link no longer works" in response.content.decode()
    dana.refresh_from_db()
    assert not dana.has_usable_password()


def test_a_link_stops_working_after_seven_days(admin_client):
    dana = _invite(admin_client)
    Invitation.objects.filter(user=dana).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert _choose_password(_link(dana)).status_code == 404
    dana.refresh_from_db()
    assert not dana.has_usable_password()
    assert "Invitation expired" in admin_client.get("/users/").content.decode()


def test_sending_again_stops_the_earlier_link_and_the_new_one_works(admin_client):
    dana = _invite(admin_client)
    first = _link(dana)
    assert admin_client.post(f"/users/{dana.pk}/invitation/resend/").status_code == 302
    second = _link(dana)
    assert first != second
    assert _choose_password(first).status_code == 404
    assert _choose_password(second).status_code == 302
    assert AdministrationEvent.objects.filter(action="invitation_resent", user=dana).exists()


def test_a_withdrawn_invitation_link_does_not_work(admin_client):
    dana = _invite(admin_client)
    assert admin_client.post(f"/users/{dana.pk}/invitation/withdraw/").status_code == 302
    assert _choose_password(_link(dana)).status_code == 404
    assert AdministrationEvent.objects.filter(action="invitation_withdrawn", user=dana).exists()


def test_a_deactivated_colleagues_link_does_not_work(admin_client):
    dana = _invite(admin_client)
    link = _link(dana)
    admin_client.post(f"/users/{dana.pk}/deactivate/")
    assert _choose_password(link).status_code == 404


def test_an_invited_lead_with_only_a_password_cannot_reach_case_data(admin_client, case):
    dana = _invite(admin_client, roles=[Role.LEAD.value])
    _choose_password(_link(dana))
    browser = Client()
    signed_in = browser.post("/accounts/login/", {"username": "dana.deputy@school.example", "password": GOOD_PASSWORD})
    assert signed_in.status_code == 302
    for url in ("/cases/", case.get_absolute_url(), "/"):
        response = browser.get(url)
        assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/setup/", url


def test_an_invited_office_user_signs_in_with_the_password_alone(admin_client):
    olu = _invite(admin_client, email="olu@school.example", roles=[Role.OFFICE.value])
    _choose_password(_link(olu))
    browser = Client()
    browser.post("/accounts/login/", {"username": "olu@school.example", "password": GOOD_PASSWORD})
    assert browser.get("/cases/").status_code == 200


def test_inviting_an_address_that_has_an_account_is_refused_plainly(admin_client, office):
    response = admin_client.post("/users/invite/", {"first_name": "O", "last_name": "O", "email": office.email.upper(),
                                                    "roles": [Role.LEAD.value]})
    assert response.status_code == 200 and "already has an account" in response.content.decode()
    office.refresh_from_db()
    assert office.check_password("pw") and office.has_role(Role.OFFICE) and not office.has_role(Role.LEAD)
    assert not Invitation.objects.exists()


def test_an_invitation_needs_a_role(admin_client):
    response = admin_client.post("/users/invite/", {"first_name": "N", "last_name": "R", "email": "n@school.example"})
    assert response.status_code == 200 and not User.objects.filter(email="n@school.example").exists()


def test_changing_roles_is_recorded_and_keeps_is_staff_with_the_administrator_role(admin_client, administrator, lead):
    response = admin_client.post(f"/users/{lead.pk}/", {"roles": [Role.LEAD.value, Role.ADMIN.value]})
    assert response.status_code == 302
    lead = User.objects.get(pk=lead.pk)
    assert lead.has_role(Role.ADMIN) and lead.has_role(Role.LEAD) and lead.is_staff
    event = AdministrationEvent.objects.get(action="roles_changed", user=lead)
    assert event.data == {"before": [Role.LEAD.value], "after": [Role.LEAD.value, Role.ADMIN.value]}
    admin_client.post(f"/users/{lead.pk}/", {"roles": [Role.LEAD.value]})
    assert not User.objects.get(pk=lead.pk).is_staff


def test_the_last_administrator_keeps_the_role(admin_client, administrator):
    response = admin_client.post(f"/users/{administrator.pk}/", {"roles": [Role.OFFICE.value]})
    assert "the last administrator" in response.content.decode()
    assert User.objects.get(pk=administrator.pk).has_role(Role.ADMIN)
    assert not AdministrationEvent.objects.filter(action="roles_changed").exists()


def test_an_administrator_cannot_deactivate_themselves(admin_client, administrator):
    response = admin_client.post(f"/users/{administrator.pk}/deactivate/", follow=True)
    assert "You cannot deactivate yourself" in response.content.decode()
    administrator.refresh_from_db()
    assert administrator.is_active


def test_the_last_administrator_cannot_be_deactivated(administrator, school):
    other = factories.UserFactory(username="other", role=Role.ADMIN)
    services.user_deactivate(user=other, by=administrator)  # two administrators: one may go
    with pytest.raises(Exception, match="last administrator"):
        services.user_deactivate(user=administrator, by=other)
    administrator.refresh_from_db()
    assert administrator.is_active


def test_deactivating_keeps_the_person_and_their_name_and_ends_their_sessions(admin_client, office, case):
    session = Client()
    session.force_login(office)
    assert session.get("/cases/").status_code == 200
    assert admin_client.post(f"/users/{office.pk}/deactivate/").status_code == 302

    office.refresh_from_db()
    assert not office.is_active and User.objects.filter(pk=office.pk).exists()
    ended = session.get("/cases/")
    assert ended.status_code == 302 and ended["Location"].startswith("/accounts/login/")
    assert office.display_name in admin_client.get("/users/").content.decode()
    assert AdministrationEvent.objects.filter(action="user_deactivated", user=office).exists()
    assert admin_client.post(f"/users/{office.pk}/reactivate/").status_code == 302
    office.refresh_from_db()
    assert office.is_active


def test_resetting_a_second_factor_is_recorded_with_its_reason_and_the_person_told(admin_client, administrator, head):
    TOTPDevice.objects.create(user=head, name="Head's phone", confirmed=True)
    refused = admin_client.post(f"/users/{head.pk}/two-factor-reset/", {"reason": "  "})
    assert refused.status_code == 200 and TOTPDevice.objects.filter(user=head).exists()

    response = admin_client.post(f"/users/{head.pk}/two-factor-reset/", {"reason": "Phone lost on the school trip"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=head).exists()
    reset = TwoFactorReset.objects.get(user=head)
    assert (reset.by, reset.reason) == (administrator, "Phone lost on the school trip")
    assert Notification.objects.filter(recipient=head, kind=Notification.Kind.TWO_FACTOR_RESET).exists()
    assert "Phone lost on the school trip" in AdministrationEvent.objects.get(action="two_factor_reset").summary


def test_an_administrator_cannot_reset_their_own_second_factor_here(admin_client, administrator):
    response = admin_client.post(f"/users/{administrator.pk}/two-factor-reset/", {"reason": "Lost it"})
    assert "Another administrator must reset" in response.content.decode()
    assert TOTPDevice.objects.filter(user=administrator).exists()


@pytest.mark.parametrize("role", ["head", "office", "lead", "dsl", "governor"])
def test_no_other_role_can_change_users(role, cast, client, school):
    target = cast["office"] if role != "office" else cast["lead"]
    TOTPDevice.objects.create(user=target, name="phone", confirmed=True)
    client.force_login(cast[role])
    posts = [
        ("/users/invite/", {"first_name": "E", "last_name": "Vil", "email": "evil@school.example",
                            "roles": [Role.ADMIN.value]}),
        (f"/users/{cast[role].pk}/", {"roles": [Role.ADMIN.value, Role.HEAD.value]}),
        (f"/users/{target.pk}/deactivate/", {}),
        (f"/users/{target.pk}/two-factor-reset/", {"reason": "because"}),
        (f"/users/{target.pk}/invitation/resend/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (403, 404), url
    assert not User.objects.filter(email="evil@school.example").exists()
    assert not User.objects.get(pk=cast[role].pk).has_role(Role.ADMIN)
    assert User.objects.get(pk=target.pk).is_active and TOTPDevice.objects.filter(user=target).exists()
    assert not AdministrationEvent.objects.exists()
