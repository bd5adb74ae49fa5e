"""Long work shows that it is under way and then its result, never a stale message: a letter's PDF
("Preparing the PDF…", then the PDF), with JavaScript and without; the termly report's download. On a
1366-pixel screen and on a 390-pixel phone."""

import time

import pytest
from playwright.sync_api import expect

from incidents.letters import services as letter_services
from incidents.models import Letter
from policies import pdf
from policies.models import Clause
from tests.browser.axe import AxeAudit
from tests.browser.conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def letter(opened_case, world, lead):
    """A cautionary notice with every part filled in, whose PDF is still to be prepared."""
    case = opened_case()
    case.clauses.add(Clause.objects.filter(version=case.policy_version_id).first())
    return letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=world["karl"], parts={
        "conduct_summary": "Called the deputy head useless in the Year 4 group."})


@pytest.fixture
def slow_pdf(monkeypatch):
    """Rendering a PDF takes a few seconds, as a long letter does on a busy server."""
    real = pdf.html_to_pdf

    def slow(html, *args, **kwargs):
        time.sleep(2)
        return real(html, *args, **kwargs)

    monkeypatch.setattr(pdf, "html_to_pdf", slow)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_preparing_a_pdf_says_so_until_it_is_ready(viewport, page_as, letter, live_server, slow_pdf):
    audit = AxeAudit()
    page = page_as("lead", viewport)
    page.goto(f"{live_server.url}/letters/{letter.pk}/")
    status = page.get_by_test_id("render-status")
    expect(status).to_contain_text("No PDF yet.")
    page.get_by_role("button", name="Prepare the PDF").click()
    # While the request runs (here the PDF is made during it): the spinner, and no "No PDF yet.".
    expect(page.get_by_test_id("render-requested")).to_be_visible()
    expect(status.get_by_text("No PDF yet.")).to_be_hidden()
    audit.check(page)
    expect(status).to_contain_text("PDF ready", timeout=15_000)
    expect(status.get_by_text("Preparing the PDF…")).to_be_hidden()
    expect(page.get_by_test_id("letter-pdf-link")).to_be_visible()
    audit.check(page)
    audit.assert_clean()


def test_a_pdf_prepared_by_the_worker_appears_when_it_is_ready(page_as, letter, live_server):
    # Queued for a worker: the page polls every second until the worker has made it.
    Letter.objects.filter(pk=letter.pk).update(render_state=Letter.RenderState.PENDING)
    page = page_as("lead")
    page.goto(f"{live_server.url}/letters/{letter.pk}/")
    status = page.get_by_test_id("render-status")
    expect(status).to_contain_text("Preparing the PDF…")
    expect(status).not_to_contain_text("No PDF yet.")
    letter_services.letter_render_pdf(letter_id=letter.pk)  # the worker
    expect(status).to_contain_text("PDF ready", timeout=10_000)
    expect(status.get_by_text("Preparing the PDF…")).to_be_hidden()


def test_without_javascript_the_page_refreshes_itself_until_the_pdf_is_ready(browser, letter, live_server):
    Letter.objects.filter(pk=letter.pk).update(render_state=Letter.RenderState.PENDING)
    context = browser.new_context(java_script_enabled=False)
    page = sign_in(context.new_page(), live_server.url, "lead")
    page.goto(f"{live_server.url}/letters/{letter.pk}/")
    expect(page.get_by_test_id("render-status")).to_contain_text("Preparing the PDF…")
    letter_services.letter_render_pdf(letter_id=letter.pk)
    expect(page.get_by_test_id("render-status")).to_contain_text("PDF ready", timeout=10_000)
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_long_download_says_preparing_until_the_file_has_arrived(viewport, page_as, world, live_server, slow_pdf):
    audit = AxeAudit()
    page = page_as("head", viewport)
    page.goto(f"{live_server.url}/reports/")
    link = page.get_by_test_id("termly-report")
    with page.expect_download(timeout=30_000) as download:
        link.click()
        # The report takes at least two seconds here (slow_pdf): the message is up meanwhile.
        expect(page.get_by_test_id("busy")).to_contain_text("Preparing the termly report…", timeout=1_500)
        expect(page.get_by_test_id("busy")).to_have_attribute("role", "status", timeout=1_500)
        expect(page.get_by_test_id("busy")).to_be_in_viewport()
        audit.check(page)
    assert download.value.suggested_filename.startswith("termly-report-")
    # The file is here: the message goes, and the link works again.
    expect(page.get_by_test_id("busy")).to_have_count(0, timeout=15_000)
    expect(link).not_to_have_attribute("aria-disabled", "true")
    audit.assert_clean()
