"""Issue 22.1: the school's settings at /settings/: profile and letterhead (a logo checked as evidence is),
term dates, nation, periods and limits. Administrators change them, the Head Teacher reads them, every
change is recorded."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import AdministrationEvent
from policies.defaults import load_defaults
from policies.models import School, TermHoliday
from policies.selectors import school_days_after
from tests import factories

pytestmark = pytest.mark.django_db

# As a browser posts the factory's school: a textarea's lines end in CRLF.
PROFILE = {"name": "Hillside Primary School", "code": "HIL", "address": "1 School Lane\r\nHillside\r\nExampletown",
           "postcode": "EX1 2MP", "phone": "01234 567890", "email": "office@hillside.example", "website": "",
           "head_teacher_name": "Helen Hart", "chair_of_governors_name": "Grace Gordon",
           "safeguarding_lead_name": "Daniel Shah"}
RULES = {"nation": "ENG", "representation_school_days": 10, "retention_years": 6, "evidence_max_mb": 20}


@pytest.fixture
def admin_client(client, administrator, school, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(administrator)
    return client


def test_changing_the_profile_is_recorded_with_who_and_what(admin_client, administrator, school):
    response = admin_client.post("/settings/profile/", {**PROFILE, "head_teacher_name": "Harriet Hope"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.head_teacher_name == "Harriet Hope"
    event = AdministrationEvent.objects.get(action="profile_changed")
    assert event.by == administrator
    assert event.data["changed"] == {"head_teacher_name": ["Helen Hart", "Harriet Hope"]}
    newest = school.history.latest("history_date")
    assert newest.history_user == administrator and "Aisha Adams" in newest.history_change_reason
    assert "Harriet Hope" in admin_client.get("/settings/").content.decode()


def test_saving_an_unchanged_profile_records_nothing(admin_client, school):
    admin_client.post("/settings/profile/", PROFILE)
    assert not AdministrationEvent.objects.exists()


def test_a_png_logo_is_kept_served_privately_and_printed_on_the_sample_letter(admin_client, school):
    load_defaults(school=school)
    logo = SimpleUploadedFile("crest.png", factories.PNG, content_type="image/png")
    assert admin_client.post("/settings/profile/", {**PROFILE, "logo": logo}).status_code == 302
    school.refresh_from_db()
    assert school.logo.name.startswith("school/")
    event = AdministrationEvent.objects.get(action="profile_changed")
    assert len(event.data["logo_sha256"]) == 64

    served = admin_client.get("/settings/logo/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff" and served.content == factories.PNG
    sample = admin_client.get("/settings/sample-letter/")
    assert sample.status_code == 200 and sample["Content-Type"] == "application/pdf"
    assert sample.content.startswith(b"%PDF") and b"/Subtype /Image" in sample.content


@pytest.mark.parametrize("name, data, message", [
    ("crest.png", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "PNG or JPEG"),
    ("crest.png", b"<html><script>alert(1)</script></html>", "cannot be added"),
    ("crest.gif.png", b"GIF89a" + b"\x00" * 20, "not accepted"),
    ("crest.png", factories.PNG + b"\x00" * (2 * 1024 * 1024), "MB"),
])
def test_a_logo_that_is_not_a_png_or_jpeg_by_content_is_refused_and_nothing_changes(admin_client, school, name, data,
                                                                                      message):
    response = admin_client.post("/settings/profile/", {**PROFILE, "head_teacher_name": "Someone Else",
                                                         "logo": SimpleUploadedFile(name, data)})
    assert response.status_code == 200 and message in response.content.decode()
    school.refresh_from_db()
    assert not school.logo and school.head_teacher_name == "Helen Hart"
    assert not AdministrationEvent.objects.exists()


def test_changing_the_rules_is_recorded_and_bounded(admin_client, school):
    response = admin_client.post("/settings/rules/", {**RULES, "nation": "SCT", "representation_school_days": 15})
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.nation, school.representation_school_days) == ("SCT", 15)
    event = AdministrationEvent.objects.get(action="rules_changed")
    assert event.data["changed"] == {"nation": ["England and Wales", "Scotland"],
                                     "representation_school_days": ["10", "15"]}

    for field, value in (("evidence_max_mb", 500), ("retention_years", 0), ("representation_school_days", 365)):
        refused = admin_client.post("/settings/rules/", {**RULES, field: value})
        assert refused.status_code == 200 and "Enter a number from" in refused.content.decode()
    school.refresh_from_db()
    assert (school.evidence_max_mb, school.retention_years) == (20, 6)


def test_a_closure_is_added_recorded_and_counted_by_the_school_days(admin_client, school):
    monday = datetime.date(2027, 2, 15)
    before = school_days_after(school=school, start=monday - datetime.timedelta(days=3), days=5)
    response = admin_client.post("/settings/terms/", {"name": "February half term", "starts_on": "2027-02-15",
                                                      "ends_on": "2027-02-19"})
    assert response.status_code == 302
    closure = TermHoliday.objects.get(school=school)
    assert school_days_after(school=school, start=monday - datetime.timedelta(days=3), days=5) == \
        before + datetime.timedelta(days=7)
    assert AdministrationEvent.objects.filter(action="term_dates_added").exists()

    assert admin_client.post(f"/settings/terms/{closure.pk}/remove/").status_code == 302
    assert not TermHoliday.objects.exists()
    removed = AdministrationEvent.objects.get(action="term_dates_removed")
    assert removed.data == {"name": "February half term", "starts_on": "2027-02-15", "ends_on": "2027-02-19"}


@pytest.mark.parametrize("starts_on, ends_on, message", [
    ("9999-12-20", "9999-12-31", "Enter a date between 1900 and 2099."),
    ("2027-04-09", "2027-03-29", "The last day is before the first day."),
    ("not a date", "2027-03-29", "Enter a valid date."),
])
def test_bad_term_dates_are_refused_with_a_clear_message_and_kept_in_the_form(admin_client, starts_on, ends_on,
                                                                              message):
    response = admin_client.post("/settings/terms/", {"name": "Easter", "starts_on": starts_on, "ends_on": ends_on})
    page = response.content.decode()
    assert response.status_code == 200 and message in page and starts_on in page
    assert not TermHoliday.objects.exists() and not AdministrationEvent.objects.exists()


def test_the_term_dates_show_this_year_and_next_with_the_nations_bank_holidays(admin_client, school):
    page = admin_client.get("/settings/terms/").content.decode()
    today = datetime.date.today()
    first = today.year if today.month >= 9 else today.year - 1
    assert f"School year {first}–{(first + 1) % 100:02d}" in page
    assert f"School year {first + 1}–{(first + 2) % 100:02d}" in page
    assert "Christmas Day" in page and "Andrew" not in page
    School.objects.filter(pk=school.pk).update(nation="SCT")
    assert "Andrew" in admin_client.get("/settings/terms/").content.decode()


def test_the_head_teacher_reads_the_settings_but_cannot_change_them(client, head, school):
    client.force_login(head)
    page = client.get("/settings/").content.decode()
    assert "Hillside Primary School" in page and "/settings/profile/" not in page
    assert client.get("/settings/history/").status_code == 200
    for url, data in (("/settings/profile/", {**PROFILE, "name": "Taken Over"}),
                      ("/settings/rules/", {**RULES, "retention_years": 1}),
                      ("/settings/terms/", {"name": "X", "starts_on": "2027-01-04", "ends_on": "2027-01-05"})):
        assert client.post(url, data).status_code == 403, url
    school.refresh_from_db()
    assert (school.name, school.retention_years) == ("Hillside Primary School", 6)
    assert not TermHoliday.objects.exists() and not AdministrationEvent.objects.exists()


@pytest.mark.parametrize("role", ["office", "lead", "dsl", "governor", "outsider"])
def test_other_roles_neither_read_nor_change_the_settings(role, cast, client, school):
    closure = TermHoliday.objects.create(school=school, name="INSET", starts_on=datetime.date(2027, 1, 4),
                                         ends_on=datetime.date(2027, 1, 4))
    client.force_login(cast[role])
    assert client.get("/settings/").status_code == 403
    assert client.post("/settings/rules/", {**RULES, "retention_years": 1}).status_code == 403
    assert client.post(f"/settings/terms/{closure.pk}/remove/").status_code == 403
    assert TermHoliday.objects.filter(pk=closure.pk).exists()


def test_the_navigation_offers_settings_and_users_to_administrators_only(client, administrator, head, office, school):
    client.force_login(administrator)
    page = client.get("/settings/").content.decode()
    assert 'href="/settings/"' in page and 'href="/users/"' in page
    client.force_login(head)
    page = client.get("/").content.decode()
    assert 'href="/settings/"' in page and 'href="/users/"' not in page
    client.force_login(office)
    page = client.get("/").content.decode()
    assert 'href="/settings/"' not in page and 'href="/users/"' not in page
