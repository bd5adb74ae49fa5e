"""A large school's office finds a parent by name on the "Log a concern" form, picks them, and logs
the concern (the form no longer lists every parent)."""

import pytest
from playwright.sync_api import expect

from incidents.cases import forms as case_forms
from incidents.models import Case, Parent
from tests import factories
from tests.browser.axe import AxeAudit
from tests.browser.screens import save_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def large_school(world, monkeypatch):
    """Karl Dunn among namesakes and others: more parents than the form will list."""
    monkeypatch.setattr(case_forms, "PARENT_LIST_MAX", 3)
    school = world["school"]
    namesake = factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")
    namesake.children.add(factories.ChildFactory(school=school, class_name="Reception"))
    for first, last in [("Ruth", "Adeyemi"), ("Mei", "Li"), ("Sam", "Okoro")]:
        factories.ParentFactory(school=school, first_name=first, last_name=last)
    return world


def test_office_finds_a_parent_by_name_picks_them_and_logs_the_concern(page_as, large_school, live_server):
    audit = AxeAudit()
    karl = large_school["karl"]
    page = page_as("office")
    page.get_by_role("link", name="Log a concern").first.click()
    expect(page.get_by_label("Find a parent by name")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Karl Dunn")).to_have_count(0)  # no parent listed before a search

    page.get_by_label("Who raised it").fill("Ruth Adeyemi")
    page.get_by_label("How it arrived").select_option(value="whatsapp")
    page.get_by_label("Find a parent by name").fill("dunn")
    # Two Karl Dunns: told apart by their child's class.
    ours = page.get_by_label("Karl Dunn — child in Year 4")
    expect(ours).to_be_visible()
    expect(page.get_by_label("Karl Dunn — child in Reception")).to_be_visible()
    ours.check()
    audit.check(page)

    # Another search: Karl stays chosen, and Sam Okoro is added.
    page.get_by_label("Find a parent by name").fill("okoro")
    expect(page.get_by_label("Sam Okoro")).to_be_visible()
    expect(page.get_by_label("Karl Dunn — child in Year 4")).to_be_checked()
    expect(page.get_by_label("Karl Dunn — child in Reception")).to_have_count(0)
    page.get_by_label("Sam Okoro").check()
    page.get_by_label("Find a parent by name").scroll_into_view_if_needed()
    save_screenshot(page, "concern-parent-search")

    page.get_by_label("What happened").fill("Called the deputy head useless in the Year 4 group.")
    page.get_by_role("button", name="Log concern").click()
    expect(page.get_by_role("alert")).to_contain_text("Concern logged on")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Karl Dunn")
    expect(main).to_contain_text("Sam Okoro")
    assert set(Case.objects.get().parents.all()) == {karl, Parent.objects.get(last_name="Okoro")}
    audit.check(page)
    audit.assert_clean()


def test_a_parent_with_an_open_case_is_offered_it_as_they_are_picked(page_as, large_school, opened_case):
    existing = opened_case()
    page = page_as("office")
    page.get_by_role("link", name="Log a concern").first.click()
    page.get_by_label("Find a parent by name").fill("karl dunn")
    page.get_by_label("Karl Dunn — child in Year 4").check()
    expect(page.locator("#open-cases-hint")).to_contain_text(existing.reference)
