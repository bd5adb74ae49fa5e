"""The school profile's logo is an upload like any other: checked by size and content before it is kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict

from policies.forms import SchoolForm, TermHolidayForm
from tests.incidents.conftest import PNG
from tests.incidents.evidence.test_evidence_archives import BOMB

pytestmark = pytest.mark.django_db


def _form(school, logo):
    fields = set(SchoolForm.Meta.fields) - {"logo"}
    data = {key: value for key, value in model_to_dict(school).items() if key in fields}
    return SchoolForm(data, {"logo": logo}, instance=school)


@pytest.mark.parametrize("name,data,says", [
    ("logo.png", BOMB, "zip bomb"),
    ("logo", BOMB, "zip bomb"),
    ("logo.png", b"%PDF-1.4\n%%EOF", "is named .png but is not a PNG image"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
    ("logo.pdf", b"%PDF-1.4\n%%EOF", "must be a PNG or JPEG image"),
    ("logo.png", PNG + b"\x00" * (2 * 1024 * 1024), "the limit is 2 MB"),
])
def test_a_logo_that_is_not_a_plain_image_is_refused(school, name, data, says):
    form = _form(school, SimpleUploadedFile(name, data))
    assert not form.is_valid()
    assert says in " ".join(form.errors["logo"])


def test_a_png_logo_is_accepted(school):
    assert _form(school, SimpleUploadedFile("logo.png", PNG)).is_valid()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_holiday_in_a_far_year_is_refused_plainly(day):
    form = TermHolidayForm({"name": "Half term", "starts_on": day, "ends_on": day})
    assert not form.is_valid()
    assert form.errors["starts_on"] == ["Enter a date between 1900 and 2099."]
