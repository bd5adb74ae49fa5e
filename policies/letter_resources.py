"""Letter templates refer to nothing outside themselves: no image, stylesheet, font or frame by address.

policies.pdf refuses every fetch when a letter is rendered (DataOnlyFetcher), so a reference would
only leave a hole in the PDF. Refusing it when the template is saved tells the administrator at once,
and where: `external_references` names the line of each one. Only `data:` URIs are let through, as
the renderer allows; a link (`<a href>`) is not fetched, so it may point anywhere, unless it asks to
be attached to the PDF (`rel="attachment"`).
"""

import re
from html.parser import HTMLParser

# Attributes that make a renderer fetch what they name, on any element.
_FETCHING_ATTRIBUTES = frozenset({"src", "srcset", "data", "poster", "background", "xlink:href", "codebase",
                                  "archive", "longdesc", "lowsrc", "dynsrc", "formaction", "action"})
# CSS that fetches: url(...), image-set(...), @import "...".
_CSS_FETCH = re.compile(r"url\s*\(|image-set\s*\(|@import", re.IGNORECASE)
_CSS_DATA_URL = re.compile(r"url\s*\(\s*['\"]?\s*data:", re.IGNORECASE)
_DATA_URI = re.compile(r"^\s*data:", re.IGNORECASE)


def external_references(source: str) -> list[tuple[int, str]]:
    """(line, message) for each reference in a template's HTML to something outside the letter."""
    finder = _ReferenceFinder()
    finder.feed(source)
    finder.close()
    return finder.found


class _ReferenceFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._in_style = False

    def _refuse(self, line: int, what: str) -> None:
        self.found.append((line, f"{what} refers to something outside the letter. Letters fetch nothing, so it "
                                 "would be left out of the PDF: remove it (the letterhead adds the school's logo)."))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        self._in_style = tag == "style"
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            shown = f"<{tag} {name}=\"{_shorten(value)}\">"
            if name in _FETCHING_ATTRIBUTES and not _DATA_URI.match(value):
                self._refuse(line, shown)
            elif name == "href" and (tag != "a" or "attachment" in values.get("rel", "").lower()):
                if not _DATA_URI.match(value):
                    self._refuse(line, shown)
            elif name == "style":
                self._check_css(value, line, f"The style of <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._check_css(data, self.getpos()[0], "The stylesheet")

    def _check_css(self, css: str, first_line: int, where: str) -> None:
        for match in _CSS_FETCH.finditer(css):
            if _CSS_DATA_URL.match(css, match.start()):
                continue
            line = first_line + css.count("\n", 0, match.start())
            snippet = _shorten(css[match.start():match.start() + 60].split(";")[0])
            self._refuse(line, f"{where} ({snippet})")


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
