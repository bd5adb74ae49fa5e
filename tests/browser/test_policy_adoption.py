"""A new version of the policy, in a real browser: the administrator drafts and edits it, the Head
Teacher reads what it changes and adopts it, ticking to confirm. axe checks each page on the way."""

import pytest

from policies.models import PolicyVersion
from tests.browser.axe import AxeAudit

pytestmark = pytest.mark.browser


def test_an_administrator_drafts_and_the_head_adopts(page_as, live_server, world, administrator, head):
    audit = AxeAudit()
    admin_page = page_as("admin")
    admin_page.goto(f"{live_server.url}/policy/versions/")
    audit.check(admin_page)
    admin_page.get_by_role("button", name="Start a new draft from the latest version").click()
    admin_page.get_by_text("Version 1 is in force").wait_for()
    audit.check(admin_page)
    draft = PolicyVersion.objects.get(status=PolicyVersion.Status.DRAFT)
    clause = draft.clauses.order_by("position").first()
    text = admin_page.locator(f"#id_c{clause.pk}-text")
    text.fill(clause.text + " Thank you.")
    admin_page.get_by_role("button", name=f"Save clause {clause.number}").click()
    admin_page.get_by_text(f"Clause {clause.number} saved.").wait_for()

    head_page = page_as("head")
    head_page.goto(f"{live_server.url}/policy/")
    head_page.get_by_role("link", name="See what it changes").click()
    head_page.locator("ins", has_text="Thank you.").wait_for()
    audit.check(head_page)
    head_page.get_by_role("link", name="Adopt version 2…").click()
    assert "open case" in head_page.get_by_test_id("what-changes").inner_text()
    audit.check(head_page)
    head_page.get_by_role("button", name="Adopt version 2").click()
    head_page.get_by_text("Tick the box to confirm: nothing has been adopted.", exact=True).wait_for()
    assert PolicyVersion.objects.get(pk=draft.pk).status == PolicyVersion.Status.DRAFT
    head_page.get_by_label("I have read the differences").check()
    head_page.get_by_role("button", name="Adopt version 2").click()
    head_page.get_by_text("is adopted.").wait_for()
    assert PolicyVersion.objects.get(pk=draft.pk).status == PolicyVersion.Status.ADOPTED
    assert not audit.failures, "\n".join(audit.failures)
