import datetime

import pytest
from django.core.exceptions import ValidationError

from policies.defaults import DEFAULT_LETTERS
from policies.models import LetterTemplate, LetterTemplateVersion
from policies.services import letter_template_version_create
from policies.templating import (
    LETTER_VARIABLES,
    TemplateProblem,
    render_letter_template,
    sample_letter_context,
    validate_letter_template,
)


def test_letter_template_with_a_syntax_error_is_refused_with_its_line():
    body = "Dear {{ parent.salutation }},\n\n{% if children %}\nYour children attend the school.\n"
    assert validate_letter_template(body) == [
        TemplateProblem(3, "Unclosed tag on line 3: 'if'. Looking for one of: elif, else, endif.")
    ]


def test_letter_template_with_an_unknown_variable_is_refused_with_its_line():
    problems = validate_letter_template("Dear {{ parent.salutation }},\n\n{{ parent.date_of_birth }}\n")
    assert [(problem.line, problem.message) for problem in problems] == [
        (3, "'parent.date_of_birth' is not one of the letter variables. See the list of variables you can use.")
    ]


def test_letter_template_checks_loop_variables_against_the_list_items():
    ok = "{% for child in children %}{{ forloop.counter }}. {{ child.name }} ({{ child.class_name }}){% endfor %}"
    assert validate_letter_template(ok) == []
    problems = validate_letter_template("{% for child in children %}\n{{ child.medical_notes }}{% endfor %}")
    assert [problem.line for problem in problems] == [2]
    assert "child.medical_notes" in problems[0].message


@pytest.mark.parametrize("body", [
    "{% load static %}", "{% include 'base.html' %}", "{% extends 'base.html' %}", "{% debug %}",
    "{% ssi '/etc/passwd' %}", "{% autoescape off %}{{ free_text }}{% endautoescape %}", "{{ free_text|safe }}",
])
def test_letter_template_refuses_tags_and_filters_outside_the_allow_list(body):
    problems = validate_letter_template("Dear parent,\n" + body)
    assert len(problems) == 1
    assert problems[0].line == 2
    assert "is not allowed in letter templates" in problems[0].message


def test_letter_template_cannot_reach_settings(settings, school):
    settings.SECRET_KEY = "a-secret-that-must-not-leak"
    assert [problem.message for problem in validate_letter_template("Key: {{ settings.SECRET_KEY }}")] == [
        "'settings.SECRET_KEY' is not one of the letter variables. See the list of variables you can use."
    ]
    assert "may not begin with underscores" in validate_letter_template("{{ school.name.__class__ }}")[0].message
    rendered = render_letter_template("Key: {{ settings.SECRET_KEY }}", sample_letter_context(school))
    assert rendered == "Key: "


def test_letter_template_renders_only_plain_data(school):
    with pytest.raises(TypeError, match="plain data only"):
        render_letter_template("{{ school.name }}", {"school": school})


def test_letter_template_autoescapes_what_it_is_given():
    rendered = render_letter_template("<p>{{ free_text }}</p>", {"free_text": "<script>alert(1)</script>"})
    assert rendered == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_letter_template_sample_context_covers_every_documented_variable(school):
    context = sample_letter_context(school)
    for name in LETTER_VARIABLES:
        path = name.replace("[]", ".0").split(".")
        value = context
        for part in path:
            value = value[int(part)] if part.isdigit() else value[part]
        assert value is not None, name


@pytest.mark.parametrize("purpose", list(DEFAULT_LETTERS))
def test_default_letter_template_validates_and_renders(purpose, school):
    name, subject, body = DEFAULT_LETTERS[purpose]
    assert validate_letter_template(subject) == []
    assert validate_letter_template(body) == []
    context = sample_letter_context(school, today=datetime.date(2026, 3, 9))
    rendered = render_letter_template(body, context)
    assert "Ms Sample" in rendered
    assert "Helen Hart" in rendered and "Hillside Primary School" in rendered
    assert "{{" not in rendered and "{%" not in rendered
    assert render_letter_template(subject, context).strip()


def test_default_provisional_ban_letter_invites_representations_by_a_deadline(school):
    _, _, body = DEFAULT_LETTERS[LetterTemplate.Purpose.PROVISIONAL_BAN]
    # Monday 9 March 2026 + 10 school days = Monday 23 March 2026.
    rendered = render_letter_template(body, sample_letter_context(school, today=datetime.date(2026, 3, 9)))
    assert "written representations" in rendered
    assert "Monday 23 March 2026" in rendered
    assert "Another adult may drop off and collect Amy and Ben" in rendered


def test_default_confirmed_ban_letter_states_length_review_and_consequences(school):
    _, _, body = DEFAULT_LETTERS[LetterTemplate.Purpose.BAN_CONFIRMED]
    rendered = render_letter_template(body, sample_letter_context(school, today=datetime.date(2026, 3, 9)))
    assert "until the end of the spring term" in rendered
    assert "review it on 4 May 2026" in rendered
    assert "section 547 of the Education Act 1996" in rendered
    assert "trespasser" in rendered


def test_letter_template_version_create_refuses_a_broken_body_and_saves_nothing(school):
    template = LetterTemplate.objects.create(school=school, purpose=LetterTemplate.Purpose.WARNING, name="Warning")
    with pytest.raises(ValidationError) as error:
        letter_template_version_create(template=template, subject="Warning", body="Hello\n{{ nope }}", by=None)
    assert error.value.messages == [
        "Line 2: 'nope' is not one of the letter variables. See the list of variables you can use."
    ]
    assert not LetterTemplateVersion.objects.exists()
