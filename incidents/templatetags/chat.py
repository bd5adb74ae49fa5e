"""Showing chat text: it is hostile input, so everything is escaped before any markup is added."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text: str, query: str) -> SafeString:
    """The text, escaped, with each case-insensitive occurrence of the query wrapped in <mark>."""
    text = text or ""
    query = (query or "").strip()
    if not query:
        return escape(text)
    pieces = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    # re.split with one group alternates: text, match, text, match, …
    html = "".join(
        f"<mark>{escape(piece)}</mark>" if index % 2 else escape(piece) for index, piece in enumerate(pieces)
    )
    return mark_safe(html)  # noqa: S308 - every piece above was escaped
