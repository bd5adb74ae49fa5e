"""A filled-in letter made safe to show inside a Casebook page.

A version saved through the paragraphs editor holds only escaped text and simple markup, but older
versions (and the superusers' admin) could hold any HTML. The page's CSP already stops scripts and
inline styles; this also keeps out what the CSP does not cover (a `<meta>` refresh, a `<form>`, an
`<a>` somewhere else, an `<img>` probe): only the plain markup of a letter is kept, with no attributes
but `class`, and the text of anything else is shown as text.
"""

from html import escape
from html.parser import HTMLParser

ALLOWED = frozenset({"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "div", "span", "h1", "h2", "h3",
                     "h4", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "hr"})
VOID = frozenset({"br", "hr"})
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object", "title", "head"})


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self.skipping += 1
        elif not self.skipping and tag in ALLOWED:
            classes = " ".join(value or "" for name, value in attrs if name == "class")
            self.out.append(f'<{tag} class="{escape(classes)}">' if classes else f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and tag in VOID:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self.skipping = max(0, self.skipping - 1)
        elif not self.skipping and tag in ALLOWED and tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape(data, quote=False))


def letter_markup_for_page(html: str) -> str:
    """`html` with only a letter's plain markup kept (see the module's docstring)."""
    cleaner = _Cleaner()
    cleaner.feed(html)
    cleaner.close()
    return "".join(cleaner.out)
