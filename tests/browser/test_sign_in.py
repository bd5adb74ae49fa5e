import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_head_teacher_signs_in_and_sees_the_home_page(signed_in_page, head, live_server):
    page = signed_in_page("head")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Head Teacher")
    expect(page.get_by_role("heading", level=1)).to_contain_text(head.first_name)


def test_a_lead_without_two_factor_sets_it_up_on_first_sign_in(page, live_server, lead):
    from django_otp.oath import TOTP

    lead.set_password("first-time-password")
    lead.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill("first-time-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    import base64

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them safe").click()
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Investigating lead")
