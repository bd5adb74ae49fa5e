"""Long work shows that it is under way and then its result, never a stale message: a letter's PDF
("Preparing the PDF…", then the PDF), with JavaScript and without; the termly report's download; a
WhatsApp chat read as it is uploaded; a parent's subject access export. On a 1366-pixel screen and on
a 390-pixel phone."""

import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.chats import services as chat_services
from incidents.demo.seed import DEMO_CHAT_PATH
from incidents.letters import services as letter_services
from incidents.models import Letter
from incidents.records import services as record_services
from incidents.records import views as record_views
from policies import pdf
from policies.models import Clause
from tests.browser.axe import AxeAudit, in_page_now
from tests.browser.conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser

# What the page shows of long work under way: the "Preparing…" note, whether it is announced
# (role=status), its spinner is drawn, and it is on the screen; null while there is none.
BUSY_NOW = """(() => {
    const note = document.querySelector('[data-testid=busy]');
    if (!note) return null;
    const box = note.getBoundingClientRect(), spinner = note.querySelector('.spinner-border');
    return {text: note.textContent.trim(), role: note.getAttribute('role'),
            spinner: !!spinner && spinner.getBoundingClientRect().width > 0
                     && getComputedStyle(spinner).visibility === 'visible',
            on_screen: box.width > 0 && box.top >= 0 && box.bottom <= window.innerHeight,
            path: location.pathname};
})()"""

# Installed before a click whose request navigates: writes the busy note's state (BUSY_NOW) when it
# appears, with the page's HTML at that moment. (Its timers do not run while the request is pending.)
WATCH_BUSY = """() => {
    sessionStorage.removeItem('busy-seen');
    const record = () => {
        const seen = JSON.parse(sessionStorage.getItem('busy-seen') || '[]');
        seen.push({at: performance.now(), state: BUSY_NOW, html: document.documentElement.outerHTML});
        sessionStorage.setItem('busy-seen', JSON.stringify(seen));
    };
    const observer = new MutationObserver(() => {
        if (!document.querySelector('[data-testid=busy]')) return;
        observer.disconnect();
        record();
    });
    observer.observe(document.body, {childList: true, subtree: true});
}""".replace("BUSY_NOW", BUSY_NOW)


def busy_while_running(cdp, *, within: float = 1.5) -> dict:
    """The page's busy note, looked for during `within` seconds after a click, while the slowed
    request runs."""
    deadline = time.monotonic() + within
    while (seen := in_page_now(cdp, BUSY_NOW)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen is not None, "no busy message appeared while the request ran"
    return seen


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


@pytest.fixture
def slow_chat_import(monkeypatch):
    """Reading a chat export takes a few seconds, as a long group chat does. The pause is inside the
    upload's request, on the live server's thread, so the page stays where it is meanwhile."""
    real = chat_services.evidence_add_chat

    def slow(**kwargs):
        time.sleep(2)
        return real(**kwargs)

    monkeypatch.setattr(chat_services, "evidence_add_chat", slow)


@pytest.fixture
def slow_export(monkeypatch):
    """Building a subject access export takes a few seconds, as it does for a parent with many cases."""
    real = record_views.build_export

    def slow(**kwargs):
        time.sleep(2)
        return real(**kwargs)

    monkeypatch.setattr(record_views, "build_export", slow)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_importing_a_chat_says_so_until_the_conversation_is_shown(viewport, page_as, opened_case, live_server,
                                                                  slow_chat_import):
    case = opened_case()
    audit = AxeAudit()
    page = page_as("lead", viewport)
    page.goto(f"{live_server.url}/cases/{case.reference}/evidence/new/")
    page.get_by_label("File").set_input_files(
        {"name": "WhatsApp Chat with Year 4 Kestrels.txt", "mimeType": "text/plain",
         "buffer": DEMO_CHAT_PATH.read_bytes()})
    page.get_by_label("Who provided it").fill("Ruth Adeyemi")
    page.get_by_label("How it was obtained").select_option(label="Exported chat")
    audit.check(page)
    # The chat is read during the request (two seconds at least here): the spinner and the message
    # must be up meanwhile, announced and on the screen. Playwright's evaluate and locators wait for
    # the upload's navigation to finish, so the page writes down what it shows, kept in
    # sessionStorage across the navigation. No database work in the test until the conversation is
    # shown: the live server's request is using it.
    page.evaluate(WATCH_BUSY)
    page.get_by_role("button", name="Add evidence").click(no_wait_after=True)
    # Then the conversation, and no message left over from the upload.
    expect(page.locator("li[data-testid=chat-message]", has_text="The deputy head is useless")
           ).to_be_visible(timeout=15_000)
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('busy-seen') || '[]')")
    assert seen, "no busy message appeared while the chat was read"
    state = seen[0]["state"]
    assert state["text"] == "Uploading and checking the file (a chat export is read too)…"
    assert state["role"] == "status" and state["spinner"] and state["on_screen"], state
    assert state["path"] == f"/cases/{case.reference}/evidence/new/"
    audit.check_html(page.context.browser, f"{live_server.url}{state['path']}", seen[0]["html"], viewport)
    expect(page).to_have_url(re.compile(rf"/cases/{case.reference}/chats/\d+/$"))
    expect(page.get_by_role("alert").filter(has_text="Evidence added")).to_be_visible()
    expect(page.get_by_test_id("busy")).to_have_count(0)
    expect(page.get_by_text("a chat export is read too")).to_have_count(0)
    audit.check(page)
    audit.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_subject_access_export_says_preparing_until_the_file_has_arrived(viewport, page_as, world, head,
                                                                           live_server, slow_export):
    record_services.subject_access_request_record(parent=world["karl"], received_on=timezone.localdate(), by=head)
    audit = AxeAudit()
    page = page_as("head", viewport)
    page.goto(f"{live_server.url}/privacy/requests/")
    button = page.get_by_role("button", name="Download export (.zip)")
    audit.check(page)
    cdp = page.context.new_cdp_session(page)
    with page.expect_download(timeout=30_000) as download:
        # The form's request is pending until the file comes: the click must not wait for it.
        button.click(no_wait_after=True)
        seen = busy_while_running(cdp)
        assert seen["text"] == "Preparing the export…"
        assert seen["role"] == "status" and seen["spinner"] and seen["on_screen"], seen
        audit.check_in_flight(cdp)
    assert download.value.suggested_filename.endswith(".zip")
    # The file is here: the message goes, and the button works again for another export.
    expect(page.get_by_test_id("busy")).to_have_count(0, timeout=15_000)
    expect(page.get_by_text("Preparing the export…")).to_have_count(0)
    expect(button).to_be_enabled()
    audit.check(page)
    audit.assert_clean()
