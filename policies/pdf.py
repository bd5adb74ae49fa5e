"""HTML to PDF with WeasyPrint, fetching nothing: letters, the policy and the reports all print here.

Fonts come from the system's fontconfig (Debian's fonts-dejavu); images come inlined as data: URIs.
The fetcher refuses everything else, so a letter or a template can never make the worker reach the
network or read a file it was not given.
"""

from functools import cache

from django.core.exceptions import ValidationError
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse


class FetchRefused(ValueError):
    pass


class PdfRenderError(ValidationError):
    """The PDF could not be made; the message says why in words."""


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
    """The PDF of a page. Raises PdfRenderError, with a plain message, when WeasyPrint cannot make it."""
    fetcher = DataOnlyFetcher(allowed_protocols=("data",))
    try:
        return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf(font_config=_font_config())
    except MemoryError:
        raise PdfRenderError("the document is too large to print; shorten it or split it.") from None
    except RecursionError:
        raise PdfRenderError("the document's markup is nested too deeply to print; simplify it.") from None
    except Exception as error:  # WeasyPrint's own failures carry its internals' words, not the reader's
        raise PdfRenderError(
            f"the printer could not lay the document out ({type(error).__name__}). Look for unusual markup "
            "in the template; if there is none, tell the administrator."
        ) from error


def pdf_failure_in_words(error: BaseException) -> str:
    """What to tell the reader when a PDF could not be made: the plain message of a known failure
    (PdfRenderError, or a letter template that could not be filled in), never Python's own words."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return (f"an unexpected problem on the server ({type(error).__name__}). Try again; if it happens again, "
            "tell the administrator.")
