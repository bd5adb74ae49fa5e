"""What of a letter the parent's page shows: the letter as issued, and no one else's name."""

from django.utils.safestring import SafeString, mark_safe

from incidents.models import Letter


def letter_html_for_parent(letter: Letter) -> SafeString:
    """The issued letter's body (rendered from the school's template, typed parts autoescaped)."""
    return mark_safe(letter.html)  # noqa: S308 -- the issued snapshot, rendered autoescaped by the letter service
