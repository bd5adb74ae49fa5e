"""Issue 17.3: failed sign-ins lock one username from one address, read correctly behind the school's proxy;
the password asked again before serious actions is counted and locked the same way."""

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.access.client_address import client_address
from incidents.access.twofactor import CONFIRMED_AT

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # nginx on the same machine, as in the README


def _attempt(client, username, password, *, address, spoofed=""):
    forwarded = f"{spoofed}, {address}" if spoofed else address
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def passwords(office, lead):
    for user in (office, lead):
        user.set_password("right-password-42")
        user.save()


def test_five_failures_by_one_user_behind_the_proxy_do_not_lock_another(behind_one_proxy, passwords):
    client = Client()
    for _ in range(5):
        _attempt(client, "office", "wrong", address="81.2.69.160")
    assert _attempt(client, "office", "right-password-42", address="81.2.69.160").status_code == 429
    # Someone else behind the same proxy, from another machine or the same one, signs in.
    assert _attempt(Client(), "lead", "right-password-42", address="81.2.69.161").status_code == 302
    assert _attempt(Client(), "lead", "right-password-42", address="81.2.69.160").status_code == 302
    # And the mistyping user, from their colleague's computer.
    assert _attempt(Client(), "office", "right-password-42", address="81.2.69.161").status_code == 302


def test_a_made_up_forwarded_address_does_not_escape_the_lock(behind_one_proxy, passwords):
    client = Client()
    for n in range(5):
        _attempt(client, "office", "wrong", address="81.2.69.160", spoofed=f"10.0.0.{n}")
    locked = _attempt(client, "office", "right-password-42", address="81.2.69.160", spoofed="10.9.9.9")
    assert locked.status_code == 429


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="81.2.69.160", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert client_address(request) == "81.2.69.160"


def test_the_client_is_counted_from_the_right_past_each_trusted_proxy(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2  # a load balancer, then nginx
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 81.2.69.160, 10.0.0.5")
    assert client_address(request) == "81.2.69.160"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "10.0.0.5"
    no_header = rf.get("/", REMOTE_ADDR=PROXY)
    assert client_address(no_header) == PROXY


# --- the password asked again before a serious action -----------------------------------------------

def _stale(client):
    session = client.session
    session[CONFIRMED_AT] = 0
    session.save()


def test_twelve_wrong_reconfirmations_lock_and_the_right_password_is_then_refused(client_for, head, settings):
    settings.RECENT_CONFIRMATION_SECONDS = 600
    head.set_password("right-password-42")
    head.save()
    client = client_for(head)
    _stale(client)
    answers = [client.post("/accounts/confirm/", {"_confirm_secret": f"guess-{n}", "next": "/reports/"}).status_code
               for n in range(12)]
    assert answers[:4] == [200] * 4 and set(answers[4:]) == {429}, answers  # the fifth failure locks
    right = client.post("/accounts/confirm/", {"_confirm_secret": "right-password-42", "next": "/reports/"})
    assert right.status_code == 429
    assert "locked for 15 minutes" in right.content.decode()
    assert time.time() - client.session.get(CONFIRMED_AT, 0) > 600, "not confirmed"


def test_wrong_passwords_on_a_carried_form_count_too(client_for, head, school, lead):
    from tests import factories

    head.set_password("right-password-42")
    head.save()
    case = factories.case_awaiting_decision(school=school, lead=lead)
    client = client_for(head)
    _stale(client)
    url = f"/cases/{case.reference}/decide/"
    for _ in range(5):
        client.post(url, {"reasons": "Abuse", "_confirm_secret": "wrong"})
    locked = client.post(url, {"reasons": "Abuse", "_confirm_secret": "right-password-42"})
    assert locked.status_code == 429
    assert not case.decisions.exists()


def test_a_right_code_from_the_phone_confirms_without_counting_a_failure(client_for, head):
    from axes.models import AccessAttempt

    client = client_for(head)
    device = TOTPDevice.objects.get(user=head)
    _stale(client)
    code = f"{TOTP(device.bin_key).token():06d}"
    assert client.post("/accounts/confirm/", {"_confirm_secret": code, "next": "/reports/"})["Location"] == "/reports/"
    assert not AccessAttempt.objects.exists()
