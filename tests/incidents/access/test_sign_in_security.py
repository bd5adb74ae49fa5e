import datetime
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.access.middleware import LAST_SEEN
from incidents.access.twofactor import CONFIRMED_AT, PENDING_KEY, recent_confirmation_required

pytestmark = pytest.mark.django_db


def _sign_in(user, password="pw"):
    client = Client()
    user.set_password(password)
    user.save()
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    return client, response


def _code(device):
    return f"{TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token():06d}"


@pytest.mark.parametrize("role", ["head", "lead", "dsl", "administrator"])
def test_senior_roles_must_set_up_two_factor_before_anything_else(role, request):
    user = request.getfixturevalue(role)
    client, _ = _sign_in(user)
    for url in ["/", "/cases/", "/policy/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/setup/", url


def test_office_staff_may_work_without_two_factor(office):
    client, _ = _sign_in(office)
    assert client.get("/").status_code == 200
    assert "Set up two-factor sign-in" in client.get("/accounts/security/").content.decode()


def test_a_user_with_a_device_enters_the_code_after_the_password(head):
    device = TOTPDevice.objects.create(user=head, name="phone", confirmed=True)
    client, response = _sign_in(head)
    assert client.get("/cases/")["Location"].startswith("/accounts/two-factor/?next=/cases/")
    wrong = client.post("/accounts/two-factor/", {"code": "000000", "next": "/cases/"})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # guessing is slowed down after each wrong code
    device.throttle_reset()
    right = client.post("/accounts/two-factor/", {"code": _code(device), "next": "/cases/"})
    assert right["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200


def test_a_recovery_code_works_once(head):
    TOTPDevice.objects.create(user=head, name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=head, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="12345678")
    client, _ = _sign_in(head)
    assert client.post("/accounts/two-factor/", {"code": "12345678"})["Location"] == "/"
    other, _ = _sign_in(head)
    assert "That code is not right" in other.post("/accounts/two-factor/", {"code": "12345678"}).content.decode()


def test_setting_up_gives_ten_recovery_codes(lead):
    client, _ = _sign_in(lead)
    client.get("/accounts/two-factor/setup/")
    pending = TOTPDevice(key=client.session[PENDING_KEY])
    page = client.post("/accounts/two-factor/setup/", {"code": _code(pending)}).content.decode()
    assert page.count('<li class="col">') == 10
    assert client.get("/cases/").status_code == 200


def test_next_after_the_code_never_leaves_the_site(head):
    device = TOTPDevice.objects.create(user=head, name="phone", confirmed=True)
    client, _ = _sign_in(head)
    response = client.post("/accounts/two-factor/", {"code": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_five_failed_sign_ins_lock_the_account_with_a_plain_message(office):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "office", "password": "wrong"})
    office.set_password("right")
    office.save()
    locked = client.post("/accounts/login/", {"username": "office", "password": "right"})
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.content.decode()


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def _twenty_minutes_pass(client):
    """As if the last page was twenty minutes ago: ten minutes of the session left."""
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 20 * 60
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=10))


def test_a_session_in_use_is_renewed_and_ends_after_thirty_idle_minutes(office, school):
    client, _ = _sign_in(office)
    client.get("/")
    first_expiry = _expiry(client)
    assert first_expiry <= timezone.now() + datetime.timedelta(minutes=30)
    client.get("/cases/")
    assert _expiry(client) == first_expiry, "pages within a minute do not write the session again"

    _twenty_minutes_pass(client)
    assert client.get("/cases/").status_code == 200
    assert _expiry(client) >= timezone.now() + datetime.timedelta(minutes=29), "a page renews the 30 minutes"

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/cases/")["Location"].startswith("/accounts/login/")


def test_office_staff_without_a_device_are_not_looked_up_on_every_page(office, school):
    client, _ = _sign_in(office)
    client.get("/")
    with CaptureQueriesContext(connection) as later:
        assert client.get("/cases/").status_code == 200
    assert not any("otp_totp" in query["sql"] or "otp_static" in query["sql"] for query in later.captured_queries)
    device = TOTPDevice.objects.create(user=office, name="phone", confirmed=True)
    assert device.pk
    # Signing in again looks again: having opted in, they are asked for their code.
    client, response = _sign_in(office)
    assert client.get("/cases/")["Location"].startswith("/accounts/two-factor/")


def test_pages_carry_a_content_security_policy_without_inline_script(client_for, office):
    response = client_for(office).get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


def test_fresh_confirmation_keeps_the_form_and_asks_for_the_password(rf, head, settings):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    @recent_confirmation_required(guard=lambda request: None)
    def decide(request):
        return HttpResponse(f"decided: {request.POST['reasons']}")

    head.set_password("pw")
    head.save()
    request = rf.post("/decide/", {"reasons": "Repeated abuse"})
    request.user, request.session = head, SessionStore()
    request.session[CONFIRMED_AT] = time.time() - settings.RECENT_CONFIRMATION_SECONDS - 1
    asked = decide(request)
    page = asked.content.decode()
    assert "Confirm it is you" in page and 'value="Repeated abuse"' in page
    wrong = rf.post("/decide/", {"reasons": "Repeated abuse", "_confirm_secret": "nope"})
    wrong.user, wrong.session = head, request.session
    assert "not right" in decide(wrong).content.decode()
    right = rf.post("/decide/", {"reasons": "Repeated abuse", "_confirm_secret": "pw"})
    right.user, right.session = head, request.session
    assert decide(right).content.decode() == "decided: Repeated abuse"


def test_recording_a_decision_asks_for_the_password_again_and_keeps_the_reasons(client_for, head, school, lead):
    from incidents.access.twofactor import CONFIRMED_AT
    from tests import factories

    case = factories.case_awaiting_decision(school=school, lead=lead)
    client = client_for(head)
    session = client.session
    session[CONFIRMED_AT] = time.time() - 3600
    session.save()
    page = client.post(f"/cases/{case.reference}/decide/", {"reasons": "Repeated abuse of staff"}).content.decode()
    assert "Confirm it is you" in page and 'value="Repeated abuse of staff"' in page
    assert not case.decisions.exists()
