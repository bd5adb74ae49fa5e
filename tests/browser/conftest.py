import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.twofactor import needs_two_factor

BROWSER_PASSWORD = "browser-test-password"


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token():06d}"


@pytest.fixture
def signed_in_page(page, live_server, transactional_db):
    """signed_in_page(username) → a Playwright page signed in through the real forms (password, then
    the authenticator code for roles that must use two-factor sign-in)."""

    def sign_in(username: str):
        user = get_user_model().objects.get(username=username)
        user.set_password(BROWSER_PASSWORD)
        user.save()
        device = None
        if needs_two_factor(user):
            device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "phone"})
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(BROWSER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if device is not None:
            page.get_by_label("Code").fill(current_code(device))
            page.get_by_role("button", name="Continue").click()
        return page

    return sign_in
