"""A letter handed over or posted carries the parent's link on paper: a short address to type and the
same address as a QR code, on a page after the letter. The short link is a second key to the same
ParentLink: random, hashed at rest, expiring and revoked with it, and its bad tries counted with
the long link's."""

import datetime
import io
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import segno
import zxingcpp
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from incidents.decisions import sanctions
from incidents.letters import services as letter_services
from incidents.models import CaseEvent, ParentLink, Sanction
from incidents.parents import links, selectors, services
from tests.incidents.parents.setup import emailed_ban_letter, issue_on_paper, page_path_in
from tests.readability import HIGHEST_GRADE, flesch_kincaid_grade

pytestmark = pytest.mark.django_db

SHORT = re.compile(r"https?://\S+(/p/[a-z0-9-]+/)")


@pytest.fixture
def paper_letter(school, office, lead, head, django_capture_on_commit_callbacks, mailoutbox):
    """(case, ban, letter): the provisional ban's letter handed to Karl Dunn; nothing e-mailed."""
    case, ban, letter = emailed_ban_letter(school=school, office=office, lead=lead, head=head,
                                           capture=django_capture_on_commit_callbacks, method="hand")
    assert not [m for m in mailoutbox if m.to == ["karl.dunn@parents.example"]]
    return case, ban, letter


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(["pdftotext", "-layout", handle.name, "-"], check=True, capture_output=True,
                              text=True).stdout


def _qr_codes_on_last_page(data: bytes) -> list[str]:
    """What a phone's camera would read off the printed page (rendered at 150 dpi)."""
    pages = len(PdfReader(io.BytesIO(data)).pages)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "copy.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", str(pages), "-l", str(pages), "-singlefile",
                        str(source), str(Path(folder) / "page")], check=True)
        image = Image.open(Path(folder) / "page.png")
        image.load()
    return [code.text for code in zxingcpp.read_barcodes(image)]


def _print_copy(client, letter) -> bytes:
    response = client.post(reverse("incidents:letter_paper_copy", args=[letter.pk]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    return response.content


def _short_path(text: str) -> str:
    match = SHORT.search(text)
    assert match, f"No short link in: {text!r}"
    return match.group(1)


def test_the_paper_copy_is_the_letter_then_a_page_with_the_short_link_and_its_qr_code(
        paper_letter, client_for, office, plain_client):
    case, _ban, letter = paper_letter
    client = client_for(office)
    detail = client.get(reverse("incidents:letter_detail", args=[letter.pk])).content.decode()
    assert 'data-testid="paper-copy"' in detail
    data = _print_copy(client, letter)

    with letter.pdf.open("rb") as handle:
        stored = handle.read()
    stored_pages = len(PdfReader(io.BytesIO(stored)).pages)
    copy = PdfReader(io.BytesIO(data))
    assert len(copy.pages) == stored_pages + 1
    # The letter's own pages are the issued record, unchanged.
    assert [page.extract_text() for page in copy.pages[:stored_pages]] == \
        [page.extract_text() for page in PdfReader(io.BytesIO(stored)).pages]

    text = _pdf_text(data)
    path = _short_path(text)
    short_url = SHORT.search(text).group(0)
    assert "Read this letter online" in text and case.school.name in text
    assert case.reference not in path and "Ruth Adeyemi" not in text  # never the raiser
    link_page = copy.pages[-1].extract_text()
    assert flesch_kincaid_grade(link_page.replace(short_url, "")) <= HIGHEST_GRADE  # written for the parent
    # A phone reads the same address off the QR code, and segno's matrix for the address agrees.
    assert _qr_codes_on_last_page(data) == [short_url]
    assert segno.make(short_url, micro=False, error="m").matrix == \
        segno.make(_qr_codes_on_last_page(data)[0], micro=False, error="m").matrix

    page = plain_client.get(path, REMOTE_ADDR="203.0.113.9")
    assert page.status_code == 200 and letter.subject in " ".join(page.content.decode().split())
    assert CaseEvent.objects.filter(case=case, data__action="issued", data__on_paper=True, actor=office).exists()
    assert CaseEvent.objects.filter(case=case, data__action="opened", data__address="203.0.113.9").exists()


def test_the_short_link_opens_the_page_and_its_forms_work(paper_letter, client_for, office, plain_client, head):
    _case, _ban, letter = paper_letter
    path = _short_path(_pdf_text(_print_copy(client_for(office), letter)))
    page = plain_client.get(path).content.decode()
    acknowledge = re.search(r'action="([^"]+/got-it/)"', page).group(1)
    assert plain_client.post(acknowledge).status_code == 302
    letter.refresh_from_db()
    assert letter.status == "acknowledged"
    # Typed from paper: capitals, no dashes, spaces all lead to the same page.
    code = path.split("/")[2]
    assert plain_client.get(f"/p/{code.upper()}/").status_code == 200
    assert plain_client.get(f"/p/{code.replace('-', '')}/").status_code == 200


def test_only_a_hash_of_the_short_code_is_kept(paper_letter, client_for, office):
    _case, _ban, letter = paper_letter
    code = _short_path(_pdf_text(_print_copy(client_for(office), letter))).split("/")[2]
    normal = code.replace("-", "")
    assert len(normal) == links.SHORT_LENGTH and set(normal) <= set(links.SHORT_ALPHABET)
    link = ParentLink.objects.get(letter=letter, revoked_at__isnull=True)
    assert link.short_hash == links.short_hash(normal)
    stored = " ".join(str(value) for value in ParentLink.objects.filter(letter=letter).values_list())
    assert code not in stored and normal not in stored
    events = " ".join(str(e.summary) + str(e.data) for e in CaseEvent.objects.filter(case=letter.case))
    assert normal not in events and code not in events


def test_short_codes_are_random(paper_letter):
    codes = {links.short_code_new() for _ in range(200)}
    assert len(codes) == 200


def test_a_revoked_expired_replaced_or_closed_short_link_gives_the_plain_page(
        paper_letter, client_for, office, lead, head, plain_client, django_capture_on_commit_callbacks):
    case, ban, letter = paper_letter
    path = _short_path(_pdf_text(_print_copy(client_for(office), letter)))
    plain = plain_client.get("/letter/not-a-link/")
    answers = {}
    link = ParentLink.objects.get(letter=letter, revoked_at__isnull=True)
    ParentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    answers["expired"] = plain_client.get(path)
    ParentLink.objects.filter(pk=link.pk).update(expires_at=link.expires_at)
    assert plain_client.get(path).status_code == 200
    # Staff revoke it from the case, as they would the e-mailed link.
    client_for(lead).post(reverse("incidents:parent_links_revoke", args=[letter.pk]))
    answers["revoked by staff"] = plain_client.get(path)
    answers["a code one letter out"] = plain_client.get(path[:-2] + ("a" if path[-2] != "a" else "b") + "/")
    answers["made up"] = plain_client.get("/p/abcd-efgh-jkmn/")
    for name, response in answers.items():
        assert (response.status_code, response.content) == (plain.status_code, plain.content), name
    assert plain.status_code == 404 and "This link does not work" in plain.content.decode()

    # A fresh copy works until a new version of the letter is issued, or the ban is decided.
    fresh = _short_path(_pdf_text(_print_copy(client_for(office), letter)))
    new = letter_services.letter_new_version(letter=letter, by=lead)
    issue_on_paper(new, head=head, by=office, capture=django_capture_on_commit_callbacks)
    assert (plain_client.get(fresh).status_code, plain_client.get(fresh).content) == (404, plain.content)
    newest = _short_path(_pdf_text(_print_copy(client_for(office), new)))
    assert plain_client.get(newest).status_code == 200
    sanctions.sanction_transition(sanction=ban, to=Sanction.State.LIFTED, by=head, details={"reasons": "Apology."})
    assert plain_client.get(newest).content == plain.content


def test_a_new_copy_stops_the_last_copys_link(paper_letter, client_for, office, plain_client):
    _case, _ban, letter = paper_letter
    first = _short_path(_pdf_text(_print_copy(client_for(office), letter)))
    second = _short_path(_pdf_text(_print_copy(client_for(office), letter)))
    assert first != second
    assert plain_client.get(first).status_code == 404 and plain_client.get(second).status_code == 200


def test_bad_short_codes_count_with_bad_links(paper_letter, client_for, office, plain_client):
    _case, _ban, letter = paper_letter
    path = _short_path(_pdf_text(_print_copy(client_for(office), letter)))
    for attempt in range(selectors.BAD_LINK_LIMIT - 1):
        assert plain_client.get(f"/p/guess-{attempt}/", REMOTE_ADDR="192.0.2.60").status_code == 404
    assert plain_client.get("/letter/guess/", REMOTE_ADDR="192.0.2.60").status_code == 404
    refused = plain_client.get(path, REMOTE_ADDR="192.0.2.60")
    assert refused.status_code == 429 and "This link does not work" in refused.content.decode()
    assert plain_client.get(path, REMOTE_ADDR="192.0.2.61").status_code == 200


def test_an_emailed_letter_is_not_printed_with_a_link(ban_letter, client_for, office, plain_client):
    _case, _ban, letter, path = ban_letter
    client = client_for(office)
    detail = client.get(reverse("incidents:letter_detail", args=[letter.pk])).content.decode()
    assert 'data-testid="paper-copy"' not in detail
    response = client.post(reverse("incidents:letter_paper_copy", args=[letter.pk]), follow=True)
    assert "Only a letter posted or handed over" in response.content.decode()
    assert plain_client.get(path).status_code == 200  # the e-mailed link still works
    with pytest.raises(ValidationError):
        services.parent_paper_copy(letter=letter, by=office)


def test_who_may_print_the_copy(paper_letter, client_for, governor, outsider, plain_client, office):
    _case, _ban, letter = paper_letter
    url = reverse("incidents:letter_paper_copy", args=[letter.pk])
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(governor).post(url).status_code in (403, 404)
    assert plain_client.post(url).status_code == 302  # to sign in
    assert not ParentLink.objects.filter(letter=letter).exists()
    assert client_for(office).get(url).status_code == 405  # a link is issued only by a POST


def test_the_command_prints_the_long_and_the_short_link_to_the_same_page(paper_letter, plain_client, capsys):
    case, _ban, letter = paper_letter
    call_command("parent_link", case.reference)
    printed = capsys.readouterr().out
    long_path, short_path = page_path_in(printed), _short_path(printed)
    first, second = plain_client.get(long_path), plain_client.get(short_path)
    assert first.status_code == second.status_code == 200
    assert letter.subject in first.content.decode() and letter.subject in second.content.decode()
    assert ParentLink.objects.filter(letter=letter, revoked_at__isnull=True).count() == 1
    call_command("parent_link", case.reference)
    assert plain_client.get(short_path).status_code == 404  # a fresh pair replaces both
