"""Django's {# … #} comment ends at the end of its line: one spread over several lines is not a comment,
and its words are printed on the page (the case page showed one to every user). Longer comments use
{% comment %}."""

from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_no_template_spreads_a_short_comment_over_several_lines():
    broken = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "{#" in line and "#}" not in line.split("{#", 1)[1]:
                broken.append(f"{path.relative_to(TEMPLATES)}:{number}")
    assert TEMPLATES.is_dir() and not broken, broken


def test_the_case_page_prints_no_template_comment(client_for, head, case):
    page = client_for(head).get(case.get_absolute_url()).content.decode()
    assert "Case sections" in page or "case-tabs" in page
    assert "{#" not in page and "#}" not in page
