"""Issue 17.10: change a password when signed in, reset a forgotten one by e-mail, and neither passes the
second factor; Django's password rules apply."""

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import Notification

pytestmark = pytest.mark.django_db

OLD = "old-password-for-test-1"
NEW = "a walk along the canal at dusk"


@pytest.fixture
def heads_phone(head):
    head.email = "h.hart@hillside.example"
    head.set_password(OLD)
    head.save()
    return TOTPDevice.objects.create(user=head, name="phone", confirmed=True)


def _ask_for_reset(address: str, **capture) -> Client:
    client = Client()
    response = client.post("/accounts/password_reset/", {"email": address})
    assert response["Location"] == "/accounts/password_reset/done/"
    return client


def _link_from_mail() -> str:
    (message,) = mail.outbox
    return re.search(r"http://127\.0\.0\.1:8000(/accounts/reset/\S+/)", message.body).group(1)


def test_a_reset_sets_the_password_and_signing_in_still_asks_for_the_code(
        heads_phone, head, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask_for_reset("H.Hart@hillside.example")
    assert Notification.objects.get().kind == Notification.Kind.PASSWORD_RESET  # kept in the outbox, sent
    link = _link_from_mail()
    browser = Client()
    form = browser.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == "/accounts/reset/done/"
    # The reset signed nobody in and verified no session.
    assert browser.get("/cases/")["Location"].startswith("/accounts/login/")
    signed_in = browser.post("/accounts/login/", {"username": "head", "password": NEW})
    assert signed_in.status_code == 302
    assert browser.get("/cases/")["Location"].startswith("/accounts/two-factor/?next=/cases/")
    assert browser.get("/accounts/two-factor/setup/")["Location"].startswith("/accounts/two-factor/"), \
        "nor can the phone be replaced"
    code = f"{TOTP(heads_phone.bin_key).token():06d}"
    browser.post("/accounts/two-factor/", {"code": code})
    assert browser.get("/cases/").status_code == 200


def test_a_reset_link_works_once(heads_phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask_for_reset("h.hart@hillside.example")
    link = _link_from_mail()
    browser = Client()
    form_url = browser.get(link, follow=True).redirect_chain[-1][0]
    browser.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_is_not_revealed_and_nothing_is_sent(heads_phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask_for_reset("nobody@hillside.example")
    assert mail.outbox == [] and not Notification.objects.exists()


def test_the_link_uses_the_sites_address_not_the_requests_host(heads_phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/password_reset/", {"email": "h.hart@hillside.example"},
                      HTTP_HOST="localhost")
    assert "http://127.0.0.1:8000/accounts/reset/" in mail.outbox[0].body
    assert "localhost" not in mail.outbox[0].body


def test_a_weak_new_password_is_refused_by_the_password_rules(client_for, office):
    office.set_password(OLD)
    office.save()
    client = client_for(office)
    for weak, rule in [("short1", "too short"), ("12345678901", "entirely numeric"), ("password123", "too common"),
                       ("Olivia1234", "too similar")]:
        page = client.post("/accounts/password_change/", {
            "old_password": OLD, "new_password1": weak, "new_password2": weak}).content.decode()
        assert rule in page, weak
    office.refresh_from_db()
    assert office.check_password(OLD)


def test_a_signed_in_user_changes_their_password(client_for, office):
    office.set_password(OLD)
    office.save()
    client = client_for(office)
    response = client.post("/accounts/password_change/", {"old_password": OLD, "new_password1": NEW,
                                                          "new_password2": NEW})
    assert response["Location"] == "/accounts/password_change/done/"
    office.refresh_from_db()
    assert office.check_password(NEW)
    assert client.get("/cases/").status_code == 200, "this session stays signed in"


def test_changing_the_password_needs_the_second_factor_where_the_role_needs_it(heads_phone, head):
    client = Client()
    client.post("/accounts/login/", {"username": "head", "password": OLD})
    response = client.post("/accounts/password_change/", {"old_password": OLD, "new_password1": NEW,
                                                          "new_password2": NEW})
    assert response["Location"].startswith("/accounts/two-factor/")
    head.refresh_from_db()
    assert head.check_password(OLD)


def test_wrong_current_passwords_count_towards_the_lockout(client_for, office):
    office.set_password(OLD)
    office.save()
    client = client_for(office)
    for _ in range(5):
        client.post("/accounts/password_change/", {"old_password": "wrong", "new_password1": NEW,
                                                   "new_password2": NEW})
    locked = client.post("/accounts/password_change/", {"old_password": OLD, "new_password1": NEW,
                                                        "new_password2": NEW})
    assert locked.status_code == 429
    office.refresh_from_db()
    assert office.check_password(OLD)


def test_the_demo_password_passes_the_rules_and_a_weak_one_is_refused(settings, db, demo_allowed):
    settings.DEMO_PASSWORD = "12345678"
    with pytest.raises(CommandError, match="DEMO_PASSWORD is too weak"):
        call_command("seed_demo")
    from incidents.models import User

    assert not User.objects.exists()
    from incidents.demo.seed import validate_demo_password

    validate_demo_password("casebook-demo")
