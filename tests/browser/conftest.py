import pytest
from django.contrib.auth import get_user_model

BROWSER_PASSWORD = "browser-test-password"


@pytest.fixture
def signed_in_page(page, live_server, transactional_db):
    """signed_in_page(username) → a Playwright page signed in through the real form."""

    def sign_in(username: str):
        user = get_user_model().objects.get(username=username)
        user.set_password(BROWSER_PASSWORD)
        user.save()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(BROWSER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        return page

    return sign_in
