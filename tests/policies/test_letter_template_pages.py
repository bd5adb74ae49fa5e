"""Letter templates edited as paragraphs in Casebook: placeholders from a list, a live preview the CSP
allows, refusals at the line, and a new version on every save with the old one left as it was."""

import re

import pytest

from policies.defaults import DEFAULT_LETTERS, load_defaults
from policies.models import LetterTemplate, LetterTemplateVersion
from policies.paragraphs import html_to_paragraphs, paragraphs_to_html
from policies.templating import render_letter_template, sample_letter_context, validate_letter_template

pytestmark = pytest.mark.django_db

LETTER = "Dear {{ parent.salutation }},\n\nAbout {{ case_reference }}.\n\nYours sincerely,\n{{ signatory.name }}\n"


@pytest.fixture
def warning(school):
    load_defaults(school=school)
    return LetterTemplate.objects.get(school=school, purpose=LetterTemplate.Purpose.WARNING)


def _url(template, end=""):
    return f"/policy/templates/{template.pk}/{end}"


def _visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_paragraphs_become_html_line_for_line():
    text = "Dear {{ parent.salutation }},\nline two & <b>\n\n- one\n- **two**\n"
    body = paragraphs_to_html(text)
    assert body.count("\n") == text.count("\n")
    assert body.splitlines() == ["<p>Dear {{ parent.salutation }},<br>", "line two &amp; &lt;b&gt;</p>", "",
                                 "<ul><li>one</li>", "<li><strong>two</strong></li></ul>"]


@pytest.mark.parametrize("purpose", list(DEFAULT_LETTERS))
def test_each_default_letter_reads_back_as_paragraphs_and_writes_the_same_words(purpose, school):
    _name, _subject, body = DEFAULT_LETTERS[purpose]
    text, dropped = html_to_paragraphs(body)
    assert "<p>" not in text and "<li>" not in text and dropped == []
    again = paragraphs_to_html(text)
    assert validate_letter_template(again) == []
    context = sample_letter_context(school)
    assert _visible(render_letter_template(again, context)) == _visible(render_letter_template(body, context))


def test_the_page_says_which_version_is_in_force_and_offers_placeholders(client_for, administrator, warning):
    page = client_for(administrator).get(_url(warning)).content.decode()
    assert "Version 1 is in force" in page and "Saving makes version 2" in page
    assert 'data-insert="{{ parent.salutation }}"' in page
    assert 'data-insert="{% for clause in clauses_breached %}' in page
    assert "&lt;p&gt;" not in page and "<p>Dear" not in page.split('name="paragraphs"')[1].split("</textarea>")[0]
    assert "Dear {{ parent.salutation }}," in page


def test_saving_makes_version_n_plus_1_and_leaves_version_n_byte_identical(client_for, administrator, warning):
    first = warning.versions.get()
    stored = LetterTemplateVersion.objects.filter(pk=first.pk).values_list("subject", "body", "created_at", "number")
    before = stored.get()
    response = client_for(administrator).post(_url(warning), {"subject": "Warning: {{ case_reference }}",
                                                              "paragraphs": LETTER})
    assert response.status_code == 302
    assert stored.get() == before
    second = warning.versions.get(number=2)
    assert (second.created_by, warning.current_version) == (administrator, second)
    assert second.body.startswith("<p>Dear {{ parent.salutation }},</p>")
    assert "Version 2 is in force" in client_for(administrator).get(_url(warning)).content.decode()


def test_saving_the_same_words_again_makes_no_version(client_for, administrator, warning):
    client = client_for(administrator)
    client.post(_url(warning), {"subject": "Warning", "paragraphs": LETTER})
    response = client.post(_url(warning), {"subject": "Warning", "paragraphs": LETTER})
    assert "Nothing has changed" in response.content.decode()
    assert warning.versions.count() == 2


@pytest.mark.parametrize(("paragraphs", "line", "words"), [
    ("Dear {{ parent.salutation }},\n\nYour password is {{ user.password }}.\n", 3, "'user.password' is not one"),
    ("Dear {{ parent.salutation }},\n\n{% load static %}\n", 3, "The tag 'load' is not allowed"),
    ("Dear {{ parent.salutation }},\n\n\n{% include \"base.html\" %}\n", 4, "The tag 'include' is not allowed"),
    ("Dear {{ parent.salutation }},\n{{ school.name|safe }}\n", 2, "The filter 'safe' is not allowed"),
])
def test_a_placeholder_not_on_the_list_or_a_forbidden_tag_is_refused_at_the_line(
        client_for, administrator, warning, paragraphs, line, words):
    response = client_for(administrator).post(_url(warning), {"subject": "Warning", "paragraphs": paragraphs})
    assert response.status_code == 200
    page = response.content.decode()
    problems = page.split('data-testid="template-problems"')[1]
    assert f"Line {line}:</strong>" in problems and words.replace("'", "&#x27;") in problems
    written = paragraphs.split("\n")[line - 1]
    assert f'<code class="template-line">{written.replace(chr(34), "&quot;")}</code>' in problems
    assert warning.versions.count() == 1


def test_a_refused_subject_is_named(client_for, administrator, warning):
    response = client_for(administrator).post(_url(warning), {"subject": "About {{ secret }}", "paragraphs": LETTER})
    assert "Subject:</strong>" in response.content.decode()
    assert warning.versions.count() == 1


def test_html_typed_into_a_paragraph_is_printed_as_text(client_for, administrator, warning):
    client_for(administrator).post(_url(warning), {
        "subject": "Warning", "paragraphs": "Dear {{ parent.salutation }},\n<script>alert(1)</script>\n"})
    body = warning.versions.get(number=2).body
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_the_live_preview_is_a_fragment_the_csp_allows(client_for, administrator, warning):
    response = client_for(administrator).post(_url(warning, "preview/"), {
        "subject": "Warning: {{ case_reference }}", "paragraphs": LETTER}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<p>Dear Ms Sample,</p>" in html and f"About {warning.school.code}-" in html
    assert "<script" not in html and "style=" not in html and "<iframe" not in html and "<html" not in html
    assert warning.versions.count() == 1  # a preview saves nothing


def test_the_preview_shows_refusals_at_the_line(client_for, administrator, warning):
    response = client_for(administrator).post(_url(warning, "preview/"), {
        "subject": "Warning", "paragraphs": "Dear {{ parent.salutation }},\n{% debug %}\n"})
    assert "Line 2:</strong>" in response.content.decode()


def test_the_edit_page_and_the_saved_version_preview_have_no_inline_script_or_style(client_for, administrator,
                                                                                     head, warning):
    for user, url in ((administrator, _url(warning)),
                      (head, f"/policy/letters/{warning.current_version.pk}/preview/")):
        response = client_for(user).get(url)
        assert response.status_code == 200 and "Content-Security-Policy" in response
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "style=" not in html and "srcdoc" not in html, url
        assert "Ms Sample" in html, url


@pytest.mark.parametrize("role", ["office", "lead", "head", "dsl", "governor", "outsider"])
def test_only_administrators_change_letter_templates(role, cast, client_for, warning):
    client = client_for(cast[role])
    assert client.get(_url(warning)).status_code == 403
    assert client.post(_url(warning), {"subject": "Warning", "paragraphs": LETTER}).status_code == 403
    assert client.post(_url(warning, "preview/"), {"subject": "W", "paragraphs": LETTER}).status_code == 403
    assert warning.versions.count() == 1


def test_a_version_written_in_html_is_shown_without_anything_that_acts(client_for, head, warning):
    version = LetterTemplateVersion.objects.create(
        template=warning, number=2, subject="Warning",
        body='<meta http-equiv="refresh" content="0;url=https://evil.example">\n<p onclick="x()">Dear '
             '{{ parent.salutation }},</p><script>steal()</script><form action="https://evil.example"><input></form>'
             '<a href="https://evil.example">click</a><img src="https://evil.example/probe.png">')
    html = client_for(head).get(f"/policy/letters/{version.pk}/preview/").content.decode()
    sheet = html.split('class="letter-sheet"')[1]
    assert "<p>Dear Ms Sample,</p>" in sheet and "click" in sheet
    for thing in ("<meta", "onclick", "steal()", "<form", "<input", "evil.example", "<img", "<script"):
        assert thing not in sheet, thing
