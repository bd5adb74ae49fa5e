"""The administrators' import page: upload, preview, confirm, through the same service and checks."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Child, Parent
from tests import factories
from tests.incidents.people.test_import_people import PLAIN, SIMS, csv_bytes, good_rows, history_counts

pytestmark = pytest.mark.django_db

UPLOAD, PREVIEW, CONFIRM = "/people/import/", "/people/import/preview/", "/people/import/confirm/"


def upload(client, data: bytes, name="pupils.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def thirty_rows_three_bad() -> bytes:
    rows = good_rows(27)
    rows.insert(2, ("Zed", "Smith", "Year 2", "Zed's", "Dad", "not-an-email", "", "Father"))   # line 4
    rows.insert(10, ("", "Smith", "Year 2", "No", "Child", "no.child@parents.example", "", ""))  # line 12
    rows.insert(20, ("Yan", "Smith", "Year 2", "Yan's", "Mum", "", "", "Mother"))                # line 22
    return csv_bytes(SIMS, rows)


def test_an_administrator_sees_the_preview_with_each_bad_row_then_confirms_and_the_good_rows_are_saved(
        client_for, administrator, school):
    client = client_for(administrator)
    assert upload(client, thirty_rows_three_bad())["Location"] == PREVIEW

    page = client.get(PREVIEW).content.decode()
    assert Parent.objects.count() == 0  # the preview saves nothing
    for line, words in [(4, "is not an e-mail address"), (12, "no child&#x27;s first name"),
                        (22, "no e-mail and no phone")]:
        assert f'<tr><td data-label="line">{line}</td><td data-label="why">' in page and words in page
    assert "<td>27</td>" in page  # parents to add
    assert "Import the good rows" in page

    digest = page.split('name="digest" value="')[1].split('"')[0]
    response = client.post(CONFIRM, {"digest": digest}, follow=True)
    assert "27 parents and 18 children added" in response.content.decode()
    assert "3 rows refused" in response.content.decode()
    assert Parent.objects.count() == 27 and Child.objects.count() == 18
    assert {row.history_user for row in Parent.history.all()} == {administrator}
    assert {row.history_change_reason for row in Parent.history.all()} == {"Imported from pupils.csv"}

    # The same file again: the preview says nothing would change, and there is nothing to confirm.
    before = history_counts()
    upload(client, thirty_rows_three_bad())
    assert "Nothing to change" in client.get(PREVIEW).content.decode()
    assert history_counts() == before


def test_a_confirmation_is_refused_when_casebook_changed_after_the_preview(client_for, administrator, school):
    client = client_for(administrator)
    upload(client, csv_bytes(PLAIN, good_rows(3)))
    page = client.get(PREVIEW).content.decode()
    digest = page.split('name="digest" value="')[1].split('"')[0]
    factories.ParentFactory(school=school, first_name="Parent0", last_name="Smith", email="parent0@parents.example",
                            phone="01234 000000")  # a colleague adds one of the parents meanwhile

    response = client.post(CONFIRM, {"digest": digest}, follow=True)

    assert "changed since this preview was made" in response.content.decode()
    assert Parent.objects.count() == 1 and Child.objects.count() == 0


@pytest.mark.parametrize("digest", ["", "0" * 64])
def test_a_confirmation_without_the_previews_digest_saves_nothing(client_for, administrator, school, digest):
    client = client_for(administrator)
    upload(client, csv_bytes(PLAIN, good_rows(3)))
    client.post(CONFIRM, {"digest": digest})
    assert Parent.objects.count() == 0


@pytest.mark.parametrize("name, data, words", [
    ("pupils.csv", factories.PNG, "not a text file"),
    ("pupils.xlsx", b"PK\x03\x04" + b"\x00" * 40, "spreadsheet workbook"),
    ("pupils.csv", b"<html><script>alert(1)</script></html>", "Web pages"),
    ("pupils.csv", "Forename,Surname\nZoë,Smith\n".encode("cp1252"), "not UTF-8"),
    ("pupils.csv", b"Name,Address\nSmith,1 Mill Road\n", "No column in the first line"),
], ids=["png-named-csv", "xlsx", "html", "windows-1252", "no-known-headers"])
def test_an_upload_that_is_not_a_people_csv_is_refused_plainly(client_for, administrator, school, name, data, words):
    client = client_for(administrator)
    response = upload(client, data, name=name)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert client.get(PREVIEW)["Location"] == UPLOAD  # nothing waits to be imported


def test_an_upload_over_the_schools_size_limit_is_refused(client_for, administrator, school):
    school.evidence_max_mb = 1
    school.save()
    data = csv_bytes(PLAIN, good_rows(1)) + b"\n" * (1024 * 1024)
    response = upload(client_for(administrator), data)
    assert "the limit is 1 MB" in response.content.decode()


@pytest.mark.parametrize("role", ["office", "lead", "head", "dsl", "governor", "outsider"])
def test_only_administrators_may_import_people(cast, client_for, school, role):
    client = client_for(cast[role])
    assert upload(client, csv_bytes(PLAIN, good_rows(2))).status_code == 403
    assert client.post(CONFIRM, {"digest": ""}).status_code == 403
    assert Parent.objects.count() == 0
