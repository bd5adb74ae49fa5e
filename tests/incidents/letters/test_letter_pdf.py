"""The PDF renderer fetches nothing but data: URIs, and a refused resource never breaks a letter."""

import base64
import io

from pypdf import PdfReader

from policies import pdf
from tests.incidents.conftest import PNG


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_letter_referring_to_the_network_or_a_local_file_still_renders_without_them(tmp_path, monkeypatch):
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: red }")
    asked = []
    monkeypatch.setattr(pdf.URLFetcher, "open", lambda self, *a, **k: asked.append(a) or None)
    html = (f'<link rel="stylesheet" href="file://{secret}"><img src="http://127.0.0.1:1/x.png">'
            '<p>Dear Mr Dunn</p>')
    data = pdf.html_to_pdf(html)
    assert data.startswith(b"%PDF")
    assert "Dear Mr Dunn" in _text(data)
    assert asked == []  # neither the network nor the file was opened


def test_an_inline_logo_is_kept():
    logo = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert pdf.DataOnlyFetcher(allowed_protocols=("data",)).fetch(logo).read() == PNG
