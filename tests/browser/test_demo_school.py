"""The demo school looks like a real one in the browser: its reports give a median above nought days,
its deadlines are each worded by whether they are overdue, due today, due soon or later, and the
proportionality panel has the school's earlier decisions to show, on a 1366-pixel screen and on a
390-pixel phone, with axe finding nothing serious."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from incidents.decisions.selectors import proportionality_for
from incidents.models import Case
from tests.browser.axe import AxeAudit
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# How each urgency must read (notifications.deadlines.Deadline.wording).
WORDING = {"overdue": r": overdue by \d+ days?", "today": r": due today", "soon": r": due (tomorrow|in \d+ days)",
           "later": r": due \w{3} \d{1,2} \w{3}"}


@pytest.fixture
def demo_school(transactional_db, demo_allowed):
    call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_school_reads_like_a_real_one_on_a_desktop_and_a_phone(demo_school, page_as, live_server):
    awaiting = [case for case in Case.objects.filter(status=Case.Status.AWAITING_DECISION).order_by("pk")
                if proportionality_for(case).response_counts]
    assert awaiting, "a case awaiting decision with earlier decided cases like it"
    audit = AxeAudit()
    # One sign-in: the same authenticator code is not accepted twice.
    page = page_as("head", DESKTOP)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)

        page.goto(f"{live_server.url}/reports/")
        median = page.get_by_test_id("median").inner_text()
        days = re.match(r"([\d.]+) days", median)
        assert days and float(days.group(1)) > 0, median
        audit.check(page)

        page.goto(f"{live_server.url}/deadlines/")
        items = page.get_by_test_id("deadline")
        expect(items.first).to_be_visible()
        for i in range(items.count()):
            item = items.nth(i)
            urgency, text = item.get_attribute("data-urgency"), item.inner_text()
            assert re.search(WORDING[urgency], text), (urgency, text)
            assert "waiting more than" not in text
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        audit.check(page)

        page.goto(f"{live_server.url}/cases/{awaiting[0].reference}/decide/")
        panel = page.get_by_test_id("proportionality")
        expect(panel.get_by_role("table")).to_be_visible()
        expect(panel).not_to_contain_text("no earlier first cases to compare")
        audit.check(page)
    audit.assert_clean()
