"""axe-core in the page under test: which serious or critical accessibility failures it finds.

The pages' Content-Security-Policy forbids inline script, so Playwright's add_script_tag (which
inlines the source) is refused; page.evaluate runs the vendored file in the page's own context,
which a CSP does not govern.
"""

from pathlib import Path

from django.conf import settings

AXE_SOURCE = (Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
BLOCKING = ("serious", "critical")


AXE_RUN = ("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
           ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))")


def serious_violations(page) -> list[dict]:
    """Run axe on the page as it stands; the serious and critical violations, each with the
    failing elements' selectors."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(f"() => {AXE_RUN}")
    return [v for v in violations if v["impact"] in BLOCKING]


def in_page_now(cdp, expression: str):
    """The value of `expression` in the page as it stands, through a Chrome DevTools session
    (`context.new_cdp_session(page)`). Playwright's own evaluate and locators wait for a navigation
    under way to finish, so they cannot see the page while a form's request is still running."""
    result = cdp.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
    assert "exceptionDetails" not in result, result["exceptionDetails"]
    return result["result"].get("value")


class AxeAudit:
    """Collects axe's findings over a journey, page by page, to be asserted once at its end."""

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.failures: list[str] = []

    def check(self, page) -> None:
        path = page.url.split("//", 1)[-1].split("/", 1)[-1]
        self.pages.append("/" + path)
        for violation in serious_violations(page):
            self.failures.append(f"/{path}: {violation['impact']} {violation['id']} ({violation['help']}) "
                                 f"at {', '.join(violation['nodes'][:3])}")

    def check_in_flight(self, cdp) -> None:
        """Check the page while a request it sent (a form's, a download's) is still running."""
        if not in_page_now(cdp, "typeof window.axe !== 'undefined'"):
            in_page_now(cdp, AXE_SOURCE)
        self.pages.append(in_page_now(cdp, "location.pathname") + " (while busy)")
        for violation in in_page_now(cdp, AXE_RUN):
            if violation["impact"] in BLOCKING:
                self.failures.append(f"{self.pages[-1]}: {violation['impact']} {violation['id']} "
                                     f"({violation['help']}) at {', '.join(violation['nodes'][:3])}")

    def check_without_scripts(self, page, browser) -> None:
        """Check a page opened with scripts off. axe is itself a script and never finishes in such a
        page, so the page's HTML, as it stands, is served unchanged to a scripted page of the same
        size (its styles still come from the server) and checked there."""
        self.check_html(browser, page.url, page.content(), page.viewport_size)

    def check_html(self, browser, url: str, html: str, viewport: dict | None) -> None:
        """Check `html`, a page as it stood at some moment (kept by the page itself), served at `url`
        to a fresh page of that size; its styles and scripts still come from the server."""
        context = browser.new_context(viewport=viewport, locale="en-GB")
        try:
            scripted = context.new_page()
            scripted.route(url, lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html))
            scripted.goto(url)
            self.check(scripted)
        finally:
            context.close()

    def assert_clean(self) -> None:
        assert self.pages, "axe was not run on any page"
        assert not self.failures, "axe found serious or critical problems:\n" + "\n".join(self.failures)
