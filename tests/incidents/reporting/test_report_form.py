"""The public form at /report/: a concern lands in the office's queue, on no case; hostile files,
programs filling the hidden box, floods from one address and a switched-off form keep nothing."""

import re
import struct
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from incidents.models import Case, Concern, ReportedFile
from incidents.reporting import ratelimit, services
from tests import factories
from tests.factories import PNG
from tests.incidents.chats.test_archive import make_zip
from tests.incidents.evidence.test_evidence_archives import BOMB, CHAT, DOCX_BOMB, DOCX_PARTS

pytestmark = pytest.mark.django_db

RECEIPT = re.compile(r"R-[A-Z0-9]{4}-[A-Z0-9]{4}")


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _encrypted_zip() -> bytes:
    data = bytearray(make_zip({"_chat.txt": CHAT}, compression=zipfile.ZIP_STORED))
    # Set the "encrypted" flag in the central directory, as a password-protected zip would.
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0] | 0x1)
    return bytes(data)


def test_the_form_is_open_to_anyone_without_signing_in(school, plain_client):
    response = plain_client.get("/report/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tell the school about a problem" in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_a_signed_in_head_without_a_second_factor_is_not_sent_to_set_one_up(school, head):
    client = Client()
    client.force_login(head)  # a password only: the Head must use two-factor sign-in everywhere else
    assert client.get("/").status_code == 302
    assert client.get("/report/").status_code == 200


def test_the_form_refuses_a_post_without_its_csrf_token(school):
    client = Client(enforce_csrf_checks=True)
    from tests.incidents.reporting.conftest import report_data

    response = client.post("/report/", report_data())
    assert response.status_code == 403
    assert not Concern.objects.exists()


def test_the_page_is_clean_for_the_content_security_policy(school, plain_client):
    response = plain_client.get("/report/")
    page = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script" not in page  # works with no JavaScript at all
    assert " style=" not in page and "<style" not in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="viewport"' in page


def test_a_report_lands_in_the_queue_on_no_case_with_a_random_receipt(school, post_report, private_storage):
    response = post_report(files=[("screenshot.png", PNG)], anonymous_to_parent="on")
    assert response.status_code == 302 and response["Location"] == "/report/thanks/"
    concern = Concern.objects.get()
    assert concern.case is None and not Case.objects.exists()
    assert concern.source == Concern.Source.ONLINE and concern.triage == Concern.Triage.AWAITING
    assert concern.logged_by is None and concern.raised_anonymously
    assert concern.raised_by_name == "Ruth Adeyemi" and concern.about == "Karl Dunn"
    assert RECEIPT.fullmatch(concern.receipt)
    sent = ReportedFile.objects.get()
    assert sent.content_type == "image/png" and sent.original_name == "screenshot.png"
    assert "screenshot" not in sent.file.name  # the stored name never comes from the reporter
    assert len(stored_files(private_storage)) == 1


def test_the_thank_you_page_shows_the_receipt_and_what_happens_next(school, plain_client, post_report):
    post_report()
    page = plain_client.get("/report/thanks/").content.decode()
    receipt = Concern.objects.get().receipt
    assert receipt in page
    assert "What happens next" in page
    assert f"{school.code}-" not in page  # never a case reference


def test_receipts_are_random_not_counted(school, post_report):
    for _ in range(4):
        post_report()
    receipts = list(Concern.objects.order_by("pk").values_list("receipt", flat=True))
    assert len(set(receipts)) == 4 and all(RECEIPT.fullmatch(receipt) for receipt in receipts)
    # Drawn at random: a thousand in a row are all different, and share no counting part.
    many = [services.receipt_make() for _ in range(1000)]
    assert len(set(many)) == 1000
    assert len({receipt[:4] for receipt in many}) > 20


def test_a_report_never_opens_a_case_even_naming_a_known_parent(school, post_report):
    factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")
    post_report(about="Karl Dunn")
    assert not Case.objects.exists()
    assert Concern.objects.get().parents.count() == 0


def test_the_answer_is_the_same_whether_the_name_is_known_or_not(school, plain_client, post_report):
    factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")
    known = post_report(about="Karl Dunn")
    unknown = post_report(about="Nobody Atall")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    page = plain_client.get("/report/").content.decode()
    assert "Karl" not in page and "Dunn" not in page  # the form offers no list of parents or groups


HOSTILE = [
    ("shot.png", b"<html><script>alert(1)</script></html>", "Web pages and SVG"),
    ("shot.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
    ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "Programs"),
    ("chat.zip", BOMB, "zip bomb"),
    ("shot.png", BOMB, "zip bomb"),
    ("letter.docx", DOCX_BOMB, "zip bomb"),
    ("chat.zip", _encrypted_zip(), "encrypted"),
    ("chat.zip", make_zip(DOCX_PARTS | {"../../etc/cron.d/x": b"x"}), "The zip has a file"),
    ("chat.txt", make_zip({"_chat.txt": CHAT}), "is a zip file"),
    ("notes.txt", b"\x00\x01\x02\x03binary", "not accepted"),
]


@pytest.mark.parametrize("name,data,says", HOSTILE, ids=[f"{n}-{s}" for n, _, s in HOSTILE])
def test_hostile_files_are_refused_as_evidence_refuses_them_and_nothing_is_kept(
        school, post_report, private_storage, name, data, says):
    response = post_report(files=[("screenshot.png", PNG), (name, data)])
    assert response.status_code == 200
    page = response.content.decode()
    assert says in page
    assert "Ruth Adeyemi" in page  # what was typed is kept in the form
    assert not Concern.objects.exists() and not ReportedFile.objects.exists()
    assert stored_files(private_storage) == []


def test_a_whatsapp_export_is_accepted_as_a_chat(school, post_report, private_storage):
    post_report(files=[("WhatsApp Chat with Year 3.zip", make_zip({"_chat.txt": CHAT, "IMG-1.jpg": PNG}))])
    sent = ReportedFile.objects.get()
    assert sent.kind == ReportedFile.Kind.CHAT


def test_more_than_five_files_are_refused(school, post_report):
    response = post_report(files=[(f"shot{i}.png", PNG) for i in range(6)])
    assert "at most 5 files" in response.content.decode()
    assert not Concern.objects.exists()


def test_a_date_in_the_future_or_in_year_9999_is_refused_plainly(school, post_report):
    for day in ["2999-01-01", "9999-12-31"]:
        response = post_report(happened_on=day)
        assert response.status_code == 200
        assert not Concern.objects.exists()


def test_the_hidden_box_filled_in_keeps_nothing_but_thanks_all_the_same(school, plain_client, post_report):
    response = post_report(leave_this_empty="http://cheap-pills.example")
    assert response.status_code == 302 and response["Location"] == "/report/thanks/"
    assert not Concern.objects.exists()
    page = plain_client.get("/report/thanks/").content.decode()
    assert RECEIPT.search(page)  # a receipt that looks like any other
    assert "Thank you. The school has your report." in page


def test_an_address_is_refused_after_its_posts_for_the_hour(school, post_report):
    for _ in range(ratelimit.POSTS_PER_HOUR):
        assert post_report().status_code == 302
    refused = post_report()
    assert refused.status_code == 429
    assert "try again later" in refused.content.decode().lower()
    assert Concern.objects.count() == ratelimit.POSTS_PER_HOUR
    other = Client(REMOTE_ADDR="192.0.2.77")
    assert post_report(client=other).status_code == 302  # another address is counted on its own


def test_the_hidden_box_counts_against_the_limit_too(school, post_report):
    for _ in range(ratelimit.POSTS_PER_HOUR):
        post_report(leave_this_empty="spam")
    assert post_report().status_code == 429
    assert not Concern.objects.exists()


def test_behind_the_proxy_each_person_is_counted_by_their_own_address(school, settings, post_report):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(ratelimit.POSTS_PER_HOUR):
        post_report(client=Client(HTTP_X_FORWARDED_FOR="198.51.100.1"))
    assert post_report(client=Client(HTTP_X_FORWARDED_FOR="198.51.100.1")).status_code == 429
    assert post_report(client=Client(HTTP_X_FORWARDED_FOR="198.51.100.2")).status_code == 302


def test_switched_off_the_page_gives_the_schools_contact_details_and_keeps_nothing(school, plain_client, post_report):
    school.online_reporting = False
    school.phone = "01632 960 001"
    school.save()
    page = plain_client.get("/report/").content.decode()
    assert "01632 960 001" in page and school.name in page
    assert "<form" not in page
    response = post_report()
    assert response.status_code == 200 and "<form" not in response.content.decode()
    assert not Concern.objects.exists()


def test_the_thank_you_page_without_a_report_goes_back_to_the_form(school, plain_client):
    response = plain_client.get("/report/thanks/")
    assert response.status_code == 302 and response["Location"] == "/report/"
