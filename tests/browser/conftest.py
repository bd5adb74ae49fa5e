import datetime

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.access.twofactor import needs_two_factor
from incidents.cases import services as case_services
from policies.defaults import load_defaults
from tests import factories

BROWSER_PASSWORD = "browser-test-password"
DESKTOP = {"width": 1366, "height": 900}  # the width issue 21 asks every screen to work at
PHONE = {"width": 390, "height": 844}


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token():06d}"


def sign_in(page, base_url: str, username: str):
    """Sign `username` in on `page` through the real forms: password, then the authenticator code
    for roles that must use two-factor sign-in."""
    user = get_user_model().objects.get(username=username)
    user.set_password(BROWSER_PASSWORD)
    user.save()
    device = None
    if needs_two_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "phone"})
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.get_by_label("Code").fill(current_code(device))
        page.get_by_role("button", name="Continue").click()
    page.get_by_test_id("signed-in-as").wait_for(state="attached")
    return page


def open_section(page, name: str) -> None:
    """On a case page, show one of its sections ("Evidence", "Decisions"…) as a person does: by its link."""
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name=name, exact=True).click()


def confirm_if_asked(page) -> None:
    """Decisions, approvals and issuing may ask for the password again; give it when asked."""
    page.wait_for_load_state()
    heading = page.get_by_role("heading", name="Confirm it is you")
    if heading.count():
        page.get_by_label("Password or code").fill(BROWSER_PASSWORD)
        page.get_by_role("button", name="Confirm").click()


@pytest.fixture
def signed_in_page(page, live_server, transactional_db):
    """signed_in_page(username) → a Playwright page signed in through the real forms (password, then
    the authenticator code for roles that must use two-factor sign-in)."""
    return lambda username: sign_in(page, live_server.url, username)


@pytest.fixture
def page_as(browser, live_server, transactional_db):
    """page_as(username, viewport=DESKTOP) → a page in a browser context of its own (its own
    cookies), signed in as that user: several people can take turns in one test."""
    contexts = []

    def open_page(username: str, viewport: dict = DESKTOP):
        context = browser.new_context(viewport=viewport, accept_downloads=True, locale="en-GB",
                                      timezone_id="Europe/London")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return sign_in(context.new_page(), live_server.url, username)

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def world(school, office, lead, head, dsl, transactional_db):
    """A school like the demo one, built with the services: the default letters, response ladder and
    code of conduct (adopted before any incident), and Karl Dunn, father of Maya in Year 4."""
    school.name = "Hollybank Primary School"
    school.save()
    load_defaults(school=school, today=datetime.date(2025, 9, 1))
    karl = factories.ParentFactory(school=school, title="Mr", first_name="Karl", last_name="Dunn")
    karl.children.add(factories.ChildFactory(school=school, first_name="Maya", last_name="Dunn"))
    return {"school": school, "karl": karl}


@pytest.fixture
def opened_case(world, office, lead):
    """open_case(**overrides) → a case about Karl Dunn logged by office staff, led by `lead`."""
    from django.utils import timezone


    def open_one(**overrides):
        values = {"school": world["school"], "by": office, "channel": "whatsapp", "parents": [world["karl"]],
                  "received_at": timezone.now() - datetime.timedelta(hours=2), "raised_by_name": "Ruth Adeyemi",
                  "description": "Called the deputy head useless in the Year 4 group."}
        values.update(overrides)
        case = case_services.concern_log(**values).case
        case.lead = lead
        case.save()
        return case

    return open_one
