"""Issue 17.1: a password alone never sets up, replaces or passes the second factor of an account that has one."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from incidents.access import services
from incidents.access.twofactor import PENDING_KEY
from incidents.models import TwoFactorReset

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"


def _code(key_hex: str) -> str:
    return f"{TOTP(bytes.fromhex(key_hex)).token():06d}"


def _password_only(user) -> Client:
    """A session opened with the password alone, as an attacker who knows it would have."""
    client = Client()
    user.set_password("the-heads-password-1")
    user.save()
    signed_in = client.post("/accounts/login/", {"username": user.username, "password": "the-heads-password-1"})
    assert signed_in.status_code == 302
    return client


@pytest.fixture
def heads_phone(head):
    device = TOTPDevice.objects.create(user=head, name="Head's phone", confirmed=True)
    codes = StaticDevice.objects.create(user=head, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=codes, token="11112222")
    return device


def _untouched(head, device) -> None:
    assert list(TOTPDevice.objects.filter(user=head).values_list("pk", "key", "confirmed")) == [
        (device.pk, device.key, True)]
    assert list(StaticToken.objects.filter(device__user=head).values_list("token", flat=True)) == ["11112222"]


def test_a_password_only_session_is_not_shown_a_new_secret(head, heads_phone):
    client = _password_only(head)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=/accounts/two-factor/setup/"
    assert PENDING_KEY not in client.session
    assert 'data-testid="totp-secret"' not in client.get(SETUP, follow=True).content.decode()
    _untouched(head, heads_phone)


def test_a_password_only_session_cannot_replace_the_heads_phone_with_its_own(head, heads_phone):
    client = _password_only(head)
    client.get(SETUP)
    # Even with a secret of its own planted in the session, and the right code for it.
    attacker_key = random_hex(20)
    session = client.session
    session[PENDING_KEY] = attacker_key
    session.save()
    response = client.post(SETUP, {"code": _code(attacker_key)})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/?next=")
    _untouched(head, heads_phone)
    assert client.get("/cases/")["Location"].startswith("/accounts/two-factor/?next=/cases/"), "still not verified"


def test_a_second_session_cannot_confirm_a_phone_being_set_up_elsewhere(lead):
    """The secret of a phone being set up is in that session only: there is no unconfirmed device to
    confirm from another session."""
    first = _password_only(lead)
    first.get(SETUP)
    key = first.session[PENDING_KEY]
    assert not TOTPDevice.objects.filter(user=lead).exists()
    second = _password_only(lead)
    second.post(SETUP, {"code": _code(key)})
    assert not TOTPDevice.objects.filter(user=lead).exists()


def test_a_verified_session_moves_to_a_new_phone_and_only_then_the_old_one_stops(head, heads_phone):
    client = _password_only(head)
    client.post("/accounts/two-factor/", {"code": _code(heads_phone.key)})
    assert client.get(SETUP).status_code == 200
    key = client.session[PENDING_KEY]
    _untouched(head, heads_phone)  # showing the new secret changes nothing yet
    wrong = client.post(SETUP, {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    _untouched(head, heads_phone)
    page = client.post(SETUP, {"code": _code(key)}).content.decode()
    assert page.count('<li class="col">') == 10
    assert list(TOTPDevice.objects.filter(user=head).values_list("key", flat=True)) == [key]
    assert not StaticToken.objects.filter(token="11112222").exists()


def test_a_lost_phone_is_replaced_after_a_recovery_code(head, heads_phone):
    client = _password_only(head)
    assert client.post("/accounts/two-factor/", {"code": "11112222"})["Location"] == "/"
    client.get(SETUP)
    key = client.session[PENDING_KEY]
    client.post(SETUP, {"code": _code(key)})
    assert TOTPDevice.objects.get(user=head).key == key


def test_verifying_a_code_gives_the_session_a_new_key(head, heads_phone):
    client = _password_only(head)
    before = client.cookies["sessionid"].value
    client.post("/accounts/two-factor/", {"code": _code(heads_phone.key)})
    after = client.cookies["sessionid"].value
    assert after != before
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get("/cases/")["Location"].startswith("/accounts/login/"), "the old key opens nothing"
    assert client.session[SESSION_KEY] == str(head.pk)


def test_enrolling_gives_the_session_a_new_key(lead):
    client = _password_only(lead)
    client.get(SETUP)
    before = client.cookies["sessionid"].value
    client.post(SETUP, {"code": _code(client.session[PENDING_KEY])})
    assert client.cookies["sessionid"].value != before


def test_a_user_without_a_phone_enrols_with_the_password(lead):
    client = _password_only(lead)
    assert client.get("/cases/")["Location"] == SETUP
    assert 'data-testid="totp-secret"' in client.get(SETUP).content.decode()
    client.post(SETUP, {"code": _code(client.session[PENDING_KEY])})
    assert client.get("/cases/").status_code == 200


# --- an administrator's recorded reset --------------------------------------------------------------

def test_the_reset_command_records_who_and_why_and_lets_the_person_enrol_again(
        head, heads_phone, administrator, django_capture_on_commit_callbacks):
    head.email = "head@school.example"
    head.save()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reset_two_factor", "head", reason="Phone lost on the school trip", by="admin")
    reset = TwoFactorReset.objects.get()
    assert (reset.user, reset.by, reset.channel, reset.reason) == (
        head, administrator, TwoFactorReset.Channel.COMMAND, "Phone lost on the school trip")
    assert reset.devices_removed == 2
    assert not TOTPDevice.objects.filter(user=head).exists() and not StaticDevice.objects.filter(user=head).exists()
    assert [m.subject for m in mail.outbox] == ["Your two-factor sign-in was reset"]
    client = _password_only(head)
    client.get(SETUP)
    client.post(SETUP, {"code": _code(client.session[PENDING_KEY])})
    assert TOTPDevice.objects.filter(user=head, confirmed=True).count() == 1


def test_the_reset_command_refuses_without_a_reason_or_a_known_user(head, heads_phone):
    with pytest.raises(CommandError, match="Say why"):
        call_command("reset_two_factor", "head", reason="  ")
    with pytest.raises(CommandError, match="No user"):
        call_command("reset_two_factor", "nobody", reason="lost")
    _untouched(head, heads_phone)
    assert not TwoFactorReset.objects.exists()


def test_an_administrator_cannot_reset_their_own(administrator):
    TOTPDevice.objects.create(user=administrator, name="phone", confirmed=True)
    with pytest.raises(PermissionDenied):
        services.two_factor_reset(user=administrator, by=administrator, reason="lost", channel="admin")
    with pytest.raises(ValidationError):
        services.two_factor_reset(user=administrator, by=None, reason="", channel="command")
    assert TOTPDevice.objects.filter(user=administrator).exists()


def test_the_admin_action_asks_for_a_reason_and_records_the_reset(client_for, superuser, head, heads_phone):
    client = client_for(superuser)
    url = "/admin/incidents/user/"
    asked = client.post(url, {"action": "reset_two_factor", "_selected_action": [head.pk]})
    assert asked.status_code == 200 and "Why" in asked.content.decode()
    _untouched(head, heads_phone)
    done = client.post(url, {"action": "reset_two_factor", "_selected_action": [head.pk], "apply": "yes",
                             "reason": "Phone stolen"})
    assert done.status_code == 302
    reset = TwoFactorReset.objects.get()
    assert (reset.user, reset.by, reset.channel, reset.reason) == (head, superuser, "admin", "Phone stolen")
    assert not TOTPDevice.objects.filter(user=head).exists()
