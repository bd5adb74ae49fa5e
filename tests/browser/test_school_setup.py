"""Issue 22.8: a new school set up from nothing in a real browser. setup_school prints the first
administrator's one-time link; they choose a password and set up their phone, fill in the profile with a
logo, enter term dates, import 30 parents (3 bad rows), invite an investigating lead and a Head Teacher
who each follow their link, set a password and set up two-factor sign-in; a new version of the policy is
drafted and the Head adopts it; a letter template is edited, previewed and saved. axe checks each page."""

import base64
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import expect

from incidents.models import AdministrationEvent, Parent
from policies.models import LetterTemplate, LetterTemplateVersion, PolicyVersion, School, TermHoliday
from tests import factories
from tests.browser.axe import AxeAudit
from tests.browser.conftest import DESKTOP
from tests.incidents.people.test_import_views import thirty_rows_three_bad

pytestmark = pytest.mark.browser


def _path(text: str) -> str:
    return re.search(r"https?://\S+?(/accounts/invitation/\S+/)", text).group(1)


def _emailed_link(email: str) -> str:
    """The link in the newest e-mail to `email` (the outbox keeps no such link once it has gone)."""
    return _path([message for message in mail.outbox if message.to == [email.lower()]][-1].body)


def _join(browser, base_url: str, link: str, email: str, password: str, audit: AxeAudit):
    """Follow an invitation's link in a fresh browser, choose a password, sign in, set up the phone."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base_url + link)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    audit.check(page)
    page.locator("#id_new_password1").fill(password)
    page.locator("#id_new_password2").fill(password)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_text("Your password is set.")).to_be_visible()
    page.get_by_label("Username").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("link", name="I have kept them safe").click()
    page.get_by_test_id("signed-in-as").wait_for()
    # The link was good once: opened again, it is the plain page.
    replay = context.new_page()
    replay.goto(base_url + link)
    expect(replay.get_by_role("heading", name="This link no longer works")).to_be_visible()
    replay.close()
    return page


def test_an_administrator_sets_up_a_new_school_from_nothing(browser, live_server, transactional_db, tmp_path,
                                                            settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    audit = AxeAudit()
    out = io.StringIO()
    call_command("setup_school", "--name", "Hollybank Primary School", "--admin-email", "bursar@hollybank.example",
                 "--no-input", stdout=out)
    admin = _join(browser, live_server.url, _path(out.getvalue()), "bursar@hollybank.example",
                  "quiet-meadow-lantern-31", audit)
    url = live_server.url

    # The profile and letterhead, with a logo checked by content.
    admin.get_by_role("link", name="Settings").click()
    audit.check(admin)
    admin.get_by_role("link", name="Change the profile").click()
    admin.get_by_label("Address", exact=False).first.fill("1 Holly Lane\nHollybank")
    admin.get_by_label("Head teacher name").fill("Harriet Hope")
    logo = tmp_path / "crest.png"
    logo.write_bytes(factories.PNG)
    admin.get_by_label("Logo").set_input_files(str(logo))
    audit.check(admin)
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_test_id("letterhead")).to_contain_text("Harriet Hope")
    expect(admin.get_by_test_id("letterhead").get_by_role("img")).to_be_visible()
    assert School.objects.get().logo.name.startswith("school/")

    # Term dates: a date in year 9999 is refused plainly; a real holiday is added.
    admin.get_by_role("link", name="Change the term dates").click()
    admin.get_by_label("Name").fill("Christmas holiday")
    admin.get_by_label("First day closed").fill("9999-12-20")
    admin.get_by_label("Last day closed").fill("9999-12-31")
    admin.get_by_role("button", name="Add").click()
    expect(admin.get_by_text("Enter a date between 1900 and 2099.").first).to_be_visible()
    audit.check(admin)
    admin.get_by_label("First day closed").fill("2026-12-21")
    admin.get_by_label("Last day closed").fill("2027-01-01")
    admin.get_by_role("button", name="Add").click()
    expect(admin.get_by_text("Added: Christmas holiday")).to_be_visible()
    assert TermHoliday.objects.get().name == "Christmas holiday"

    # Thirty parents, three bad rows: the preview names them; the good rows are imported.
    admin.goto(f"{url}/people/import/")
    csv = tmp_path / "pupils.csv"
    csv.write_bytes(thirty_rows_three_bad())
    admin.get_by_label("CSV file").set_input_files(str(csv))
    admin.get_by_role("button", name="Show what would change").click()
    expect(admin.get_by_text("no e-mail and no phone")).to_be_visible()
    admin.get_by_role("button", name="Import the good rows").click()
    expect(admin.get_by_text("27 parents and 18 children added")).to_be_visible()
    assert Parent.objects.count() == 27

    # An investigating lead and the Head Teacher are invited; each follows their link.
    for first, last, email, role in (("Liam", "Lewis", "liam.lewis@hollybank.example", "Investigating lead"),
                                     ("Harriet", "Hope", "harriet.hope@hollybank.example", "Head Teacher")):
        admin.get_by_role("link", name="Users").click()
        admin.get_by_role("link", name="Invite a colleague").click()
        admin.get_by_label("First name").fill(first)
        admin.get_by_label("Last name").fill(last)
        admin.get_by_label("E-mail").fill(email)
        admin.get_by_label(role, exact=True).check()
        audit.check(admin)
        admin.get_by_role("button", name="Send the invitation").click()
        expect(admin.get_by_text(f"{first} {last} is invited")).to_be_visible()
    users_page = admin.content()
    assert "Investigating lead" in users_page and "liam.lewis@hollybank.example" in users_page
    audit.check(admin)
    lead = _join(browser, url, _emailed_link("liam.lewis@hollybank.example"), "liam.lewis@hollybank.example",
                 "amber-kettle-harbour-58", audit)
    expect(lead.get_by_test_id("signed-in-as")).to_contain_text("Investigating lead")
    head = _join(browser, url, _emailed_link("harriet.hope@hollybank.example"), "harriet.hope@hollybank.example",
                 "violet-orchard-pebble-74", audit)

    # A new version of the policy: the administrator drafts it, the Head Teacher adopts it.
    admin.goto(f"{url}/policy/versions/")
    admin.get_by_role("button", name="Start a new draft from the latest version").click()
    admin.get_by_text("Version 1 is in force").wait_for()
    draft = PolicyVersion.objects.get(status=PolicyVersion.Status.DRAFT)
    clause = draft.clauses.order_by("position").first()
    admin.locator(f"#id_c{clause.pk}-text").fill(clause.text + " Thank you.")
    admin.get_by_role("button", name=f"Save clause {clause.number}").click()
    admin.get_by_text(f"Clause {clause.number} saved.").wait_for()
    head.goto(f"{url}/policy/")
    head.get_by_role("link", name="See what it changes").click()
    head.get_by_role("link", name="Adopt version 2…").click()
    head.get_by_label("I have read the differences").check()
    head.get_by_role("button", name="Adopt version 2").click()
    head.get_by_text("is adopted.").wait_for()
    assert PolicyVersion.objects.get(pk=draft.pk).status == PolicyVersion.Status.ADOPTED

    # A letter template edited, previewed as it is typed, and saved as a new version.
    template = LetterTemplate.objects.get(purpose=LetterTemplate.Purpose.WARNING)
    admin.goto(f"{url}/policy/templates/{template.pk}/")
    editor = admin.get_by_label("The letter")
    editor.press("End")
    editor.type("\n\nPlease speak to Mrs Hope at the school gate if anything is unclear.")
    admin.locator("#letter-preview").get_by_text("speak to Mrs Hope at the school gate").wait_for()
    admin.get_by_role("button", name="Save as a new version").click()
    admin.get_by_text("Version 2 is in force").wait_for()
    assert LetterTemplateVersion.objects.filter(template=template).count() == 2

    # The record of it all, readable by the Head Teacher.
    head.goto(f"{url}/settings/history/")
    history = head.content()
    for words in ("changed: address", "added Christmas holiday", "invited Liam Lewis", "invited Harriet Hope",
                  "Liam Lewis chose a password"):
        assert words.lower() in history.lower(), words
    assert AdministrationEvent.objects.filter(by__email="bursar@hollybank.example").count() >= 4
    assert not audit.failures, "\n".join(audit.failures)
