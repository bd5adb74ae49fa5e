"""A letter as a full page on the school's letterhead, ready for policies.pdf.html_to_pdf.

The logo is inlined as a data: URI: the renderer fetches nothing else.
"""

import base64
import mimetypes
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from incidents.models import Letter


def _logo_data_uri(school) -> str:
    if not school.logo:
        return ""
    try:
        with school.logo.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError):
        return ""
    content_type = mimetypes.guess_type(school.logo.name)[0] or "image/png"
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _with_subject(body: str, subject: str) -> str:
    """Put the subject line after the greeting, as British letters do; at the top if there is none."""
    line = f'<p class="subject">{escape(subject)}</p>'
    greeting = body.find("<p>Dear")
    end = body.find("</p>", greeting) if greeting >= 0 else -1
    if end < 0:
        return line + body
    end += len("</p>")
    return body[:end] + "\n" + line + body[end:]


def letter_document_html(letter: Letter) -> str:
    """The full HTML page of the letter: letterhead, address block, date, reference, subject, body, signature.

    The default templates write their own address block and signature; the letterhead adds them
    only when a template leaves them out, so no letter has them twice.
    """
    school = letter.case.school
    template_body = letter.template_version.body
    # The body was rendered by the sealed, autoescaping engine from plain data (see services).
    body = _with_subject(letter.html, letter.subject)
    return render_to_string("incidents/letters/letterhead.html", {
        "school": school,
        "logo": _logo_data_uri(school),
        "letter": letter,
        "date": letter.issued_on or timezone.localdate(),
        "body": mark_safe(body),  # noqa: S308
        "add_address": "recipient.address" not in template_body,
        "add_signature": "signatory.name" not in template_body,
    })


def sample_letter_html(school, *, template_body: str, subject: str, body: str, reference: str, date) -> str:
    """A made-up letter on the school's letterhead, for the settings page to preview the profile and logo:
    the same page as letter_document_html, with `body` rendered by the sealed engine from sample data."""
    letter = SimpleNamespace(subject=subject, version=1, case=SimpleNamespace(reference=reference),
                             recipient_name="Ms Sam Sample", recipient_address="12 Orchard Road\nHillside",
                             recipient_postcode="EX1 4AB")
    return render_to_string("incidents/letters/letterhead.html", {
        "school": school, "logo": _logo_data_uri(school), "letter": letter, "date": date,
        "body": mark_safe(_with_subject(body, subject)),  # noqa: S308  (rendered by the sealed, autoescaping engine)
        "add_address": "recipient.address" not in template_body,
        "add_signature": "signatory.name" not in template_body,
    })
