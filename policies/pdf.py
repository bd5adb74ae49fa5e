"""HTML to PDF with WeasyPrint, fetching nothing: letters, the policy and the reports all print here.

Fonts come from the system's fontconfig (Debian's fonts-dejavu); images come inlined as data: URIs.
The fetcher refuses everything else, so a letter or a template can never make the worker reach the
network or read a file it was not given.
"""

from functools import cache

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse


class FetchRefused(ValueError):
    pass


class DataOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, allowed data: URIs only: a letter or a template can never make the
    worker reach the network or read a local file. A refused resource is left out of the PDF."""

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not url.startswith("data:"):
            raise FetchRefused(f"Letters fetch nothing: refused {url[:80]}")
        return super().fetch(url, headers)


@cache
def _font_config():
    return FontConfiguration()


def html_to_pdf(html: str) -> bytes:
    fetcher = DataOnlyFetcher(allowed_protocols=("data",))
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf(font_config=_font_config())
