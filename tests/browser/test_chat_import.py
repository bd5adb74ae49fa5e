"""The conversation in a real browser on a 1366-pixel screen and on phones: one column as wide as the
screen allows, nothing wider than the screen, marking by htmx, axe finding nothing serious."""

import pytest

from tests.browser.axe import AxeAudit
from tests.browser.conftest import DESKTOP, PHONE
from tests.incidents.chats.conftest import chat_case, clauses, import_chat  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SMALL_PHONE = {"width": 360, "height": 740}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE, SMALL_PHONE], ids=["desktop", "phone", "small-phone"])
def test_chat_fits_the_screen_in_one_column_and_marks_without_reloading(viewport, signed_in_page, live_server,
                                                                        import_chat, clauses, lead):  # noqa: F811
    chat = import_chat().chat_import
    audit = AxeAudit()
    page = signed_in_page("lead")
    page.set_viewport_size(viewport)
    url = f"{live_server.url}/cases/{chat.evidence.case.reference}/chats/{chat.pk}/"
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # Heading, search, messages: one column, each part as wide as the others (the search row's
    # gutters, negative margins, are not part of what is seen).
    widths = page.evaluate("""() => ['.chat-view > div:first-child', '.chat-view form[role=search]',
        '[data-testid=chat]'].map(s => {
            const el = document.querySelector(s), style = getComputedStyle(el);
            return Math.round(el.getBoundingClientRect().width + parseFloat(style.marginLeft)
                              + parseFloat(style.marginRight));
        })""")
    assert max(widths) - min(widths) <= 1 and max(widths) <= viewport["width"], widths
    audit.check(page)
    message = page.locator("li[data-testid=chat-message]", has_text="The deputy head is useless")
    message.locator("summary").click()
    message.get_by_label("Clause", exact=True).select_option(value=str(clauses[0].pk))
    page.evaluate("window.notReloaded = true")
    message.get_by_role("button", name="Mark").click()
    marked = page.locator("li[data-testid=chat-message]", has_text="The deputy head is useless")
    marked.get_by_text("Breaches clause 3.1").wait_for()
    assert page.evaluate("window.notReloaded") is True  # swapped in place by htmx, no full page load
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    audit.check(page)
    audit.assert_clean()
