"""The copy of an issued letter that is printed to post or hand over: the letter exactly as issued
(its stored PDF's pages, untouched), then one page that gives the parent the short address of their
letter's page, and the same address as a QR code.

The copy is made on demand and never stored: it holds the short code, which is kept only as a hash.
"""

import io

import segno
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter

from incidents.models import Letter
from incidents.parents import links
from policies import pdf


def qr_svg_data_uri(url: str) -> str:
    """The address as a QR code, an SVG data: URI (the PDF renderer fetches nothing else)."""
    return segno.make(url, micro=False, error="m").svg_data_uri(scale=4, border=4)


def link_page_pdf(*, letter: Letter, short_url: str) -> bytes:
    """The page that follows the letter: what the page is for, the address to type, the QR code."""
    html = render_to_string("incidents/parents/paper_link_page.html", {
        "letter": letter, "school": letter.case.school, "short_url": short_url,
        "qr": qr_svg_data_uri(short_url), "deadline": links.letter_deadline(letter),
        "answers": links.letter_ban(letter) is not None,
    })
    return pdf.html_to_pdf(html)


def paper_copy_pdf(*, letter: Letter, short_url: str) -> bytes:
    """The stored PDF's pages followed by the link page, as one PDF."""
    with letter.pdf.open("rb") as handle:
        stored = handle.read()
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(stored)))
    writer.append(PdfReader(io.BytesIO(link_page_pdf(letter=letter, short_url=short_url))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
