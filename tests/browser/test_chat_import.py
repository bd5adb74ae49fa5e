"""The conversation in a real browser at phone width: nothing wider than the screen, marking by htmx."""

import pytest

from tests.incidents.chats.conftest import chat_case, clauses, import_chat  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chat_fits_a_phone_and_marks_without_reloading(signed_in_page, live_server, import_chat, clauses,  # noqa: F811
                                                         lead):
    chat = import_chat().chat_import
    page = signed_in_page("lead")
    page.set_viewport_size({"width": 360, "height": 740})
    url = f"{live_server.url}/cases/{chat.evidence.case.reference}/chats/{chat.pk}/"
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    message = page.locator("li[data-testid=chat-message]", has_text="The deputy head is useless")
    message.locator("summary").click()
    message.get_by_label("Clause", exact=True).select_option(value=str(clauses[0].pk))
    page.evaluate("window.notReloaded = true")
    message.get_by_role("button", name="Mark").click()
    marked = page.locator("li[data-testid=chat-message]", has_text="The deputy head is useless")
    marked.get_by_text("Breaches clause 3.1").wait_for()
    assert page.evaluate("window.notReloaded") is True  # swapped in place by htmx, no full page load
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
