import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.chats import services as chat_services
from incidents.models import ChatImport, ChatMark, ChatMedia, Evidence
from tests.incidents.chats.conftest import AMBIGUOUS_CHAT, DEMO_CHAT, JPEG, make_zip, message_saying

pytestmark = pytest.mark.django_db


def _upload(client, case, data: bytes, name: str, obtained: str = "chat_export", token: str = "chat-1"):
    return client.post(f"/cases/{case.reference}/evidence/new/", {
        "file": SimpleUploadedFile(name, data), "provided_by": "Ruth Adeyemi", "provided_at": "2026-10-14T09:00",
        "obtained": obtained, "submission_token": token,
    }, follow=True)


def _chat_url(chat) -> str:
    return f"/cases/{chat.evidence.case.reference}/chats/{chat.pk}/"


def test_uploading_a_chat_lands_on_the_readable_conversation(client_for, office, chat_case):
    response = _upload(client_for(office), chat_case, DEMO_CHAT, "WhatsApp Chat with Year 4 Kestrels.txt")
    chat = ChatImport.objects.get()
    assert response.redirect_chain[-1][0] == _chat_url(chat)
    page = response.content.decode()
    assert "Chat read: 13 messages and events." in page
    assert "Group event: Karl Dunn left" in page
    assert "The deputy head is useless" in page and ">deleted<" in page


def test_a_double_submitted_chat_is_imported_once(client_for, office, chat_case):
    client = client_for(office)
    _upload(client, chat_case, DEMO_CHAT, "chat.txt")
    _upload(client, chat_case, DEMO_CHAT, "chat.txt")
    assert Evidence.objects.count() == 1 and ChatImport.objects.count() == 1


def test_an_ambiguous_chat_asks_day_or_month_first_with_day_first_chosen(client_for, office, chat_case):
    client = client_for(office)
    response = _upload(client, chat_case, AMBIGUOUS_CHAT, "android_example.txt")
    chat = ChatImport.objects.get()
    assert response.redirect_chain[-1][0] == f"{_chat_url(chat)}date-order/"
    page = response.content.decode()
    assert "Day first (UK, e.g. 05/02 = 5 February)" in page
    assert re.search(r'<input type="radio"[^>]*value="dmy"[^>]*checked', page)
    assert "05/02/2026, 18:32 - Ruth Adeyemi" in page  # the first lines, to help choose

    case_page = client.get(chat_case.get_absolute_url()).content.decode()
    assert "chat not yet read" in case_page and "choose the date order" in case_page
    assert client.get(_chat_url(chat)).url.endswith("/date-order/")

    response = client.post(f"{_chat_url(chat)}date-order/", {"date_order": "dmy"}, follow=True)
    assert "Chat read: 8 messages and events." in response.content.decode()
    assert "6 Feb 2026, 20:11" in response.content.decode()
    assert "chat not yet read" not in client.get(chat_case.get_absolute_url()).content.decode()


def test_notes_uploaded_as_a_chat_are_kept_and_the_office_is_told_plainly(client_for, office, chat_case):
    response = _upload(client_for(office), chat_case, b"Notes of my call with Ruth.\nShe was upset.\n", "notes.txt")
    page = response.content.decode()
    assert "notes.txt was kept as ordinary evidence, but it is not a chat Casebook can read" in page
    assert Evidence.objects.get().obtained == Evidence.Obtained.DOCUMENT


def test_an_unsafe_zip_is_refused_with_the_reason_and_nothing_is_kept(client_for, office, chat_case):
    data = make_zip({"_chat.txt": DEMO_CHAT, "../evil.jpg": JPEG})
    response = _upload(client_for(office), chat_case, data, "chat.zip", obtained="screenshot")
    assert response.status_code == 200
    assert "climbs out of its folder" in response.content.decode()
    assert not Evidence.objects.exists()


def test_chat_text_is_shown_as_text_never_as_markup(client_for, lead, import_chat):
    hostile = DEMO_CHAT + b"14/10/2026, 09:00 - Ben Castle: <script>alert(1)</script> <img src=x onerror=alert(2)>\n"
    chat = import_chat(hostile, "chat.txt").chat_import
    client = client_for(lead)
    for url in (_chat_url(chat), _chat_url(chat) + "?q=script"):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
        assert "alert(1)" in page


def test_searching_a_chat_filters_and_highlights(client_for, lead, import_chat):
    chat = import_chat().chat_import
    page = client_for(lead).get(_chat_url(chat) + "?q=USELESS").content.decode()
    assert "1 entry contain" in page
    assert "The deputy head is <mark>useless</mark>" in page
    assert "kit list" not in page
    assert "show in the conversation" in page


def test_a_big_chat_is_shown_a_page_at_a_time(client_for, lead, import_chat):
    lines = [f"{13 + i // 1440:02d}/10/2026, {i // 60 % 24:02d}:{i % 60:02d} - Ben Castle: message {i}"
             for i in range(1000)]
    chat = import_chat("\n".join(lines).encode(), "big.txt").chat_import
    client = client_for(lead)
    first = client.get(_chat_url(chat)).content.decode()
    assert first.count('data-testid="chat-message"') == 200
    assert "Page 1 of 5" in first and "message 199<" in first and "message 200<" not in first
    assert "message 999<" in client.get(_chat_url(chat) + "?page=5").content.decode()


def test_lead_marks_and_unmarks_a_message_without_javascript(client_for, lead, import_chat, clauses):
    chat = import_chat().chat_import
    message = message_saying(chat, "useless")
    client = client_for(lead)
    url = f"{_chat_url(chat)}messages/{message.pk}/mark/"
    response = client.post(url, {"clause": clauses[0].pk, "note": "Names the deputy head"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{_chat_url(chat)}?page=1#m{message.pk}"
    assert "Message marked as breaching clause 3.1." in response.content.decode()
    assert "Breaches clause 3.1" in response.content.decode()

    case_page = client.get(chat.evidence.case.get_absolute_url()).content.decode()
    assert "Marked messages" in case_page and "Clause 3.1" in case_page
    assert "Chat message marked (clause 3.1)" in case_page  # on the chronology

    mark = ChatMark.objects.get()
    response = client.post(f"{_chat_url(chat)}messages/{message.pk}/marks/{mark.pk}/remove/", follow=True)
    assert "Breaches clause 3.1" not in response.content.decode()
    assert ChatMark.objects.get().removed_by == lead


def test_marking_with_htmx_returns_just_the_message(client_for, lead, import_chat, clauses):
    chat = import_chat().chat_import
    message = message_saying(chat, "useless")
    response = client_for(lead).post(f"{_chat_url(chat)}messages/{message.pk}/mark/", {"clause": clauses[0].pk},
                                     HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.strip().startswith(f'<li id="m{message.pk}"') and "Breaches clause 3.1" in page
    assert "<html" not in page


def test_office_who_uploaded_a_chat_may_read_it_but_not_mark_it(client_for, office, import_chat, clauses):
    chat = import_chat().chat_import
    client = client_for(office)
    page = client.get(_chat_url(chat)).content.decode()
    assert "The deputy head is useless" in page and "Mark as breaching" not in page
    message = message_saying(chat, "useless")
    assert client.post(f"{_chat_url(chat)}messages/{message.pk}/mark/", {"clause": clauses[0].pk}).status_code == 403
    assert not ChatMark.objects.exists()


@pytest.mark.parametrize("who", ["governor", "dsl", "outsider", "admin"])
def test_people_who_cannot_see_the_case_get_not_found_for_its_chat(client_for, cast, who, import_chat):
    chat = import_chat(make_zip({"_chat.txt": DEMO_CHAT, "IMG-20261013-WA0001.jpg": JPEG}), "c.zip").chat_import
    client = client_for(cast[who])
    media = ChatMedia.objects.get()
    for url in (_chat_url(chat), f"{_chat_url(chat)}date-order/", f"{_chat_url(chat)}media/{media.pk}/"):
        assert client.get(url).status_code == 404


def test_a_chat_is_not_found_under_another_case(client_for, head, import_chat, log_concern):
    chat = import_chat().chat_import
    other = log_concern().case
    assert client_for(head).get(f"/cases/{other.reference}/chats/{chat.pk}/").status_code == 404


def test_photos_show_inline_as_images_and_other_files_download(client_for, lead, import_chat):
    data = make_zip({"_chat.txt": DEMO_CHAT, "IMG-20261013-WA0001.jpg": JPEG, "fake.jpg": b"<svg onload=x>"})
    chat = import_chat(data, "Year 4.zip").chat_import
    client = client_for(lead)
    photo, fake = ChatMedia.objects.get(name="IMG-20261013-WA0001.jpg"), ChatMedia.objects.get(name="fake.jpg")
    page = client.get(_chat_url(chat)).content.decode()
    assert f'<img src="{_chat_url(chat)}media/{photo.pk}/"' in page
    assert "fake.jpg" in page  # listed with the other files, not shown as a picture
    response = client.get(f"{_chat_url(chat)}media/{photo.pk}/")
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    assert not response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == JPEG
    response = client.get(f"{_chat_url(chat)}media/{fake.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_lead_can_rebuild_the_conversation_from_the_page(client_for, lead, import_chat, clauses):
    chat = import_chat().chat_import
    chat_services.chat_message_mark(message=message_saying(chat, "useless"), clause=clauses[0], by=lead)
    response = client_for(lead).post(f"{_chat_url(chat)}rebuild/", follow=True)
    page = response.content.decode()
    assert "Conversation read again from the original file. Marks are kept." in page
    assert "Breaches clause 3.1" in page


def test_chat_pages_fit_a_phone(client_for, lead, import_chat):
    chat = import_chat().chat_import
    page = client_for(lead).get(_chat_url(chat)).content.decode()
    assert 'name="viewport" content="width=device-width' in page
    # Long words and links wrap instead of widening the page; search and mark forms stack on a phone.
    assert 'class="text-prewrap text-break' in page and 'class="col-12 col-sm-8"' in page


def test_marking_twice_with_htmx_says_why_inside_the_message(client_for, lead, import_chat, clauses):
    chat = import_chat().chat_import
    message = message_saying(chat, "useless")
    client = client_for(lead)
    url = f"{_chat_url(chat)}messages/{message.pk}/mark/"
    client.post(url, {"clause": clauses[0].pk}, HTTP_HX_REQUEST="true")
    page = client.post(url, {"clause": clauses[0].pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "This message is already marked as breaching clause 3.1." in page
    assert ChatMark.objects.count() == 1
