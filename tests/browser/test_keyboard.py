"""A concern can be logged with the keyboard alone: Tab, arrow keys, Space and Enter, no mouse."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def tab_to(page, element_id: str, *, key: str = "Tab", limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the element is focused, as a keyboard user moves through the page."""
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached #{element_id}; stopped on #{focused_id(page)}")


def test_concern_form_is_completed_and_sent_with_the_keyboard_alone(page_as, world):
    page = page_as("office")
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/concerns/new/")
    expect(page.get_by_role("heading", name="Log a concern")).to_be_visible()

    tab_to(page, "id_raised_by_name")
    page.keyboard.type("Ruth Adeyemi")
    # Over the contact field and the anonymity tick box to the parents' tick boxes: Space ticks the
    # first (and only) parent.
    tab_to(page, "id_parents_0")
    page.keyboard.press("Space")
    expect(page.locator(f'input[name="parents"][value="{world["karl"].pk}"]')).to_be_checked()
    tab_to(page, "id_description")
    page.keyboard.type("Called the deputy head useless in the Year 4 group.")
    # Back one field and forward again: the parent chosen stays chosen.
    page.keyboard.press("Shift+Tab")
    assert focused_id(page) == "id_parents_0"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused_id(page) == "id_safeguarding"
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Log concern")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("Concern logged on")
    expect(page.get_by_role("heading", level=1)).to_contain_text("HIL-")
    expect(page.get_by_role("main")).to_contain_text("Karl Dunn")
    expect(page.get_by_role("main")).to_contain_text("Called the deputy head useless in the Year 4 group.")
    expect(page.get_by_role("main")).to_contain_text("Ruth Adeyemi")
