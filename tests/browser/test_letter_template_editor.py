"""The letter template editor in a real browser: a placeholder goes in at the cursor, the preview
follows the words as they are typed, the page's CSP is never broken, and axe finds nothing serious."""

import pytest

from policies.models import LetterTemplate
from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


def test_the_editor_inserts_placeholders_and_previews_live_within_the_csp(page_as, live_server, world,
                                                                         administrator):
    template = LetterTemplate.objects.get(school=world["school"], purpose=LetterTemplate.Purpose.WARNING)
    page = page_as("admin")
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/policy/templates/{template.pk}/")
    page.get_by_text("Version 1 is in force").wait_for()
    editor = page.get_by_label("The letter")
    editor.fill("Dear ")
    editor.press("End")
    page.get_by_role("button", name="parent.salutation").click()
    assert editor.input_value() == "Dear {{ parent.salutation }}"
    editor.press("End")
    editor.type(",\n\nAbout the group {{ group_name }}.")
    preview = page.locator("#letter-preview")
    preview.get_by_text("About the group Year 4 parents.").wait_for()
    assert "Dear Ms Sample," in preview.inner_text()
    editor.press("End")
    editor.type("\n{% load static %}")
    preview.get_by_text("Line 4:").wait_for()
    assert "The tag 'load' is not allowed" in preview.inner_text()
    assert not serious_violations(page)
    assert not violations, violations
