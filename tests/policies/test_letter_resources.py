"""Letter templates refer to nothing outside the letter, and a letter that cannot be written says why in words."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.letters import services as letter_services
from incidents.models import Letter
from policies import pdf
from policies.defaults import load_defaults
from policies.models import LetterTemplate, LetterTemplateVersion
from policies.services import letter_template_version_create
from policies.templating import validate_letter_template
from tests.incidents.letters.letter_setup import realistic_case

GREETING = "<p>Dear {{ parent.salutation }},</p>\n<p>About your conduct.</p>\n"


@pytest.fixture
def defaults(school):
    # In force from before the test cases' concerns were received, so that they get its clauses.
    load_defaults(school=school, today=datetime.date(2025, 9, 1))
    return school


def _warning_template(school) -> LetterTemplate:
    return LetterTemplate.objects.get(school=school, purpose=LetterTemplate.Purpose.WARNING)


@pytest.mark.parametrize("markup,shown", [
    ('<img src="file:///etc/passwd">', '<img src="file:///etc/passwd">'),
    ('<link rel="stylesheet" href="http://evil.example/letter.css">', "<link href="),
    ('<p style="background: url(http://evil.example/pixel.png)">Hello</p>', "url(http://evil.example/pixel.png)"),
    ('<style>\n@import "http://evil.example/x.css";\n</style>', "@import"),
    ("<style>\np { background: URL( 'file:///etc/hosts' ) }\n</style>", "URL("),
    ('<img srcset="http://evil.example/a.png 1x">', "srcset"),
    ('<svg><image xlink:href="http://evil.example/a.png"/></svg>', "xlink:href"),
    ('<object data="file:///etc/passwd"></object>', "<object data="),
    ('<iframe src="http://evil.example/"></iframe>', "<iframe src="),
    ('<a rel="attachment" href="file:///etc/passwd">notes</a>', "<a href="),
    ('<img src="{{ school.website }}">', "<img src="),
])
def test_a_template_referring_to_something_outside_the_letter_is_refused_with_its_line(markup, shown):
    problems = validate_letter_template(GREETING + markup)
    assert problems, markup
    line = 4 if markup.startswith("<style>") else 3
    assert problems[0].line == line
    assert "refers to something outside the letter" in problems[0].message
    assert shown in problems[0].message


@pytest.mark.parametrize("markup", [
    '<p>See <a href="https://hillside.example/code-of-conduct">our code of conduct</a>.</p>',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">',
    '<p style="font-weight: bold; margin-left: 2em">Hello</p>',
    "<style>p { background: url(data:image/png;base64,iVBORw0KGgo=) }</style>",
    "<p>Please read url(…) as written.</p>",
])
def test_a_template_with_only_its_own_content_is_accepted(markup):
    assert validate_letter_template(GREETING + markup) == []


def test_saving_a_template_with_an_external_image_is_refused_in_the_admin_with_the_line(client_for, superuser,
                                                                                      defaults):
    template = _warning_template(defaults)
    response = client_for(superuser).post("/admin/policies/lettertemplateversion/add/", {
        "template": template.pk, "subject": "Warning",
        "body": GREETING + '<img src="file:///etc/passwd">\n<p>Yours</p>',
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 3: &lt;img src=&quot;file:///etc/passwd&quot;&gt; refers to something outside the letter" in page
    assert template.versions.count() == 1


def test_the_service_refuses_an_external_stylesheet_too(defaults, administrator):
    with pytest.raises(ValidationError, match="Line 3: <link href="):
        letter_template_version_create(template=_warning_template(defaults), subject="Warning", by=administrator,
                                       body=GREETING + '<link rel="stylesheet" href="http://evil.example/x.css">')


@pytest.mark.parametrize("body,line", [
    (GREETING + "{{ incident_date|first }}", 3),
    (GREETING + "<p>\n{{ policy_adopted_on|yesno:representations_school_days }}</p>", 4),
])
def test_a_filter_that_fails_on_the_sample_letter_is_refused_when_saved(client_for, superuser, defaults, body,
                                                                        line):
    template = _warning_template(defaults)
    assert validate_letter_template(body) == []  # nothing the static checks can see
    response = client_for(superuser).post("/admin/policies/lettertemplateversion/add/", {
        "template": template.pk, "subject": "Warning", "body": body})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Line {line}:" in page and "cannot be filled in" in page
    assert "object" not in page.split("cannot be filled in")[1][:200]
    assert template.versions.count() == 1


@pytest.fixture
def broken_version(defaults):
    """A version saved before these checks existed, which cannot be filled in."""
    template = _warning_template(defaults)
    return LetterTemplateVersion.objects.create(template=template, number=2, subject="Warning",
                                                body=GREETING + "{{ incident_date|yesno:representations_school_days }}")


def test_drafting_a_letter_from_a_template_that_fails_says_why_in_words(broken_version, office, lead):
    case, parent = realistic_case(school=broken_version.template.school, office=office, lead=lead)
    with pytest.raises(ValidationError) as caught:
        letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    message = " ".join(caught.value.messages)
    assert "Line 3:" in message and "cannot be filled in" in message
    assert "has no attribute" not in message and "split" not in message


def test_previewing_a_template_that_fails_shows_why_in_words(broken_version, client_for, administrator):
    response = client_for(administrator).get(f"/policy/letters/{broken_version.pk}/preview/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 3:" in page and "cannot be filled in" in page and "has no attribute" not in page


def test_a_pdf_weasyprint_cannot_make_fails_with_a_plain_message(monkeypatch):
    def crash(self, **kwargs):
        raise AttributeError("'function' object has no attribute 'fetch'")

    monkeypatch.setattr(pdf.HTML, "write_pdf", crash)
    with pytest.raises(pdf.PdfRenderError) as caught:
        pdf.html_to_pdf("<p>Hello</p>")
    assert "could not lay the document out" in caught.value.messages[0]
    assert "'function' object" not in caught.value.messages[0]


def test_a_letter_whose_pdf_fails_says_why_in_words_on_its_page(defaults, office, lead, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    case, parent = realistic_case(school=defaults, office=office, lead=lead)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)

    def crash(self, **kwargs):
        raise AttributeError("'function' object has no attribute 'fetch'")

    monkeypatch.setattr(pdf.HTML, "write_pdf", crash)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        letter_services.letter_request_pdf(letter=letter)
    letter.refresh_from_db()
    assert letter.render_state == Letter.RenderState.FAILED
    assert letter.render_error.startswith("The PDF could not be prepared: the printer could not lay the document out")
    assert "'function' object" not in letter.render_error
