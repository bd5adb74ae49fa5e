import time
from datetime import datetime
from pathlib import Path

import pytest

from incidents.chats.parser import AmbiguousDateOrder, ChatEntry, DateOrderMismatch, NotAChatExport, parse_chat

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("utf-8")


def rows(chat) -> list[tuple]:
    return [(e.line_number, e.sent_at, e.author, e.kind, e.text, e.media_name) for e in chat.entries]


def only(text: str, **options) -> ChatEntry:
    [entry] = parse_chat(text, **options).entries
    return entry


def test_parse_chat_android_sample_reads_every_entry():
    chat = parse_chat(sample("android_example.txt"), date_order="dmy")
    assert chat.platform == "android"
    assert chat.date_order == "dmy"
    assert rows(chat) == [
        (1, datetime(2026, 2, 5, 18, 30), None, "system",
         "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share "
         "them. Learn more.", None),
        (2, datetime(2026, 2, 5, 18, 31), None, "system", 'Ruth Adeyemi created group "Year 4 Kestrels"', None),
        (3, datetime(2026, 2, 5, 18, 32), "Ruth Adeyemi", "message", "Hello everyone, swimming starts next week", None),
        (4, datetime(2026, 2, 5, 18, 40), "Ben Castle", "message",
         "Thanks. Does anyone know the kit list?\nTowel, hat, goggles?", None),
        (6, datetime(2026, 2, 6, 7, 55), "Ben Castle", "media", "<Media omitted>", None),
        (7, datetime(2026, 2, 6, 20, 11), "Karl Dunn", "message",
         "The deputy head is useless, I'll be telling her so at the gate tomorrow", None),
        (8, datetime(2026, 2, 6, 20, 15), "Ruth Adeyemi", "message",
         "Karl, please raise concerns with the school directly", None),
        (9, datetime(2026, 2, 6, 20, 16), "Karl Dunn", "deleted", "This message was deleted", None),
    ]
    assert [e.index for e in chat.entries] == list(range(8))
    assert chat.authors == ["Ruth Adeyemi", "Ben Castle", "Karl Dunn"]


def test_parse_chat_ios_sample_reads_every_entry_and_infers_day_first():
    chat = parse_chat(sample("ios_example.txt"))
    assert chat.platform == "ios"
    assert chat.date_order == "dmy"
    assert rows(chat) == [
        (1, datetime(2026, 3, 21, 10, 0, 0), None, "system",
         "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share "
         "them.", None),
        (2, datetime(2026, 3, 21, 10, 0, 1), None, "system", "Mo Hassan added Jo Price", None),
        (3, datetime(2026, 3, 21, 10, 5, 12), "Mo Hassan", "message", "SATs revision packs came home today", None),
        (4, datetime(2026, 3, 21, 13, 17, 45), "Jo Price", "message",
         "Did anyone see the new policy about phones?\nI think it's unfair", None),
        (6, datetime(2026, 3, 22, 9, 1, 9), "Jo Price", "media",
         "<attached: 00000007-PHOTO-2026-03-22-09-01-09.jpg>", "00000007-PHOTO-2026-03-22-09-01-09.jpg"),
        (7, datetime(2026, 3, 22, 9, 3, 30), "Mo Hassan", "media", "image omitted", None),
    ]
    # The group's name stands where an author would on iOS; it is not a person in the chat.
    assert "Year 6 Falcons" not in chat.authors


def test_parse_chat_android_month_first_12_hour_crlf_bom_sample():
    chat = parse_chat(sample("android_12h_month_first_crlf_bom.txt"))
    assert (chat.platform, chat.date_order) == ("android", "mdy")
    assert rows(chat) == [
        (1, datetime(2026, 3, 21, 9, 0), None, "system",
         "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share "
         "them. Learn more.", None),
        (2, datetime(2026, 3, 21, 9, 1), None, "system", 'Ruth Adeyemi created group "Year 4: Kestrels"', None),
        (3, datetime(2026, 3, 21, 9, 2), None, "system", "Ruth Adeyemi added +44 7700 900123", None),
        (4, datetime(2026, 3, 21, 9, 3), "+44 7700 900123", "message", "Hi all, I'm Sam's dad", None),
        (5, datetime(2026, 3, 21, 12, 15), "Ben Castle", "message",
         "Kit list: towel - hat - goggles\n[bring a spare] (and a snack)\n"
         "3/22/26, 9:00 am is the first lesson - don't forget\n13/45/26, 9:00 - Note: not a real date\n"
         "12:30 - Coach: leaves at half past\n\nThanks", None),
        (12, datetime(2026, 3, 21, 12, 40), None, "system",
         'Ruth Adeyemi changed the subject from "Year 4: Kestrels" to "Y4: Kestrels & Owls"', None),
        (13, datetime(2026, 3, 21, 12, 41), None, "system", "Ruth Adeyemi changed this group's icon", None),
        (14, datetime(2026, 3, 21, 12, 42), None, "system", "Ruth Adeyemi changed the group description", None),
        (15, datetime(2026, 3, 21, 12, 43), None, "system", "Ruth Adeyemi removed Karl Dunn", None),
        (16, datetime(2026, 3, 21, 12, 44), None, "system", "Jo Price joined using this group's invite link", None),
        (17, datetime(2026, 3, 21, 12, 45), None, "system", "Jo Price left", None),
        (18, datetime(2026, 3, 21, 0, 46), "Ben Castle", "deleted", "You deleted this message", None),
        (19, datetime(2026, 3, 21, 13, 5), "Ben Castle", "media",
         "IMG-20260321-WA0001.jpg (file attached)\nThe kit list as a photo", "IMG-20260321-WA0001.jpg"),
        (21, datetime(2026, 3, 21, 13, 6), "Ben Castle", "media", "<Media omitted>", None),
    ]


def test_parse_chat_ios_day_first_dotted_12_hour_sample():
    chat = parse_chat(sample("ios_12h_day_first_dotted.txt"))
    assert (chat.platform, chat.date_order) == ("ios", "dmy")
    assert rows(chat) == [
        (1, datetime(2026, 3, 21, 9, 0, 0), None, "system",
         "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share "
         "them.", None),
        (2, datetime(2026, 3, 21, 9, 0, 1), None, "system", "Mo Hassan created group “Year 6 Falcons”", None),
        (3, datetime(2026, 3, 21, 9, 0, 2), None, "system", "Mo Hassan added Jo Price", None),
        (4, datetime(2026, 3, 21, 13, 17, 45), "Jo Price", "message",
         "Re: the trip [Friday] - who's going?\n[21.03.2026] is the deadline", None),
        (6, datetime(2026, 3, 21, 13, 18), "Mo Hassan", "media", "video omitted", None),
        (7, datetime(2026, 3, 21, 13, 19), "Mo Hassan", "deleted", "This message was deleted.", None),
        (8, datetime(2026, 3, 21, 13, 20), "Jo Price", "media",
         "<attached: 00000009-PHOTO-2026-03-21-13-20-00.jpg>", "00000009-PHOTO-2026-03-21-13-20-00.jpg"),
        (9, datetime(2026, 3, 21, 13, 21), None, "system", "Jo Price left", None),
        (10, datetime(2026, 3, 21, 23, 59, 59), "+44 7700 900456", "message", "Night all", None),
    ]


def test_parse_chat_dashes_without_comma_sample():
    chat = parse_chat(sample("android_dashes_no_comma.txt"))
    assert [(e.sent_at, e.text) for e in chat.entries] == [
        (datetime(2026, 10, 13, 21, 14), "First"),
        (datetime(2026, 10, 14, 0, 5), "Second"),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("13/10/2026, 21:14 - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13/10/26, 21:14 - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13.10.2026, 21:14 - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13-10-2026, 21:14 - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13/10/2026, 21:14:09 - Ann: hi", datetime(2026, 10, 13, 21, 14, 9)),
        ("13/10/2026, 9:14 pm - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13/10/2026, 9:14 PM - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13/10/2026, 9:14 p.m. - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13/10/2026, 9:14\u00a0pm - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13/10/2026, 9:14\u202fPM - Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("13/10/2026, 12:05 am - Ann: hi", datetime(2026, 10, 13, 0, 5)),
        ("13/10/2026, 12:05 pm - Ann: hi", datetime(2026, 10, 13, 12, 5)),
        ("[13/10/2026, 21:14:09] Ann: hi", datetime(2026, 10, 13, 21, 14, 9)),
        ("[13/10/2026, 21:14] Ann: hi", datetime(2026, 10, 13, 21, 14)),
        ("[13/10/26, 9:14:09\u202fPM] Ann: hi", datetime(2026, 10, 13, 21, 14, 9)),
        ("[13.10.26, 9:14:09 am] Ann: hi", datetime(2026, 10, 13, 9, 14, 9)),
    ],
)
def test_parse_chat_reads_each_date_and_clock_format(line, expected):
    entry = only(line)
    assert (entry.sent_at, entry.author, entry.text, entry.kind) == (expected, "Ann", "hi", "message")


def test_parse_chat_reads_month_first_when_a_second_field_is_above_12():
    chat = parse_chat("10/13/2026, 21:14 - Ann: hi\n01/02/2026, 08:00 - Ann: later")
    assert chat.date_order == "mdy"
    assert [e.sent_at for e in chat.entries] == [datetime(2026, 10, 13, 21, 14), datetime(2026, 1, 2, 8, 0)]


def test_parse_chat_infers_order_from_anywhere_in_the_file():
    # Only the last line settles it, and it settles the earlier lines too.
    text = "01/02/2026, 08:00 - Ann: first\n" * 3 + "25/02/2026, 08:00 - Ann: last\n"
    chat = parse_chat(text)
    assert chat.date_order == "dmy"
    assert chat.entries[0].sent_at == datetime(2026, 2, 1, 8, 0)


def test_parse_chat_refuses_to_guess_when_no_day_is_above_12():
    with pytest.raises(AmbiguousDateOrder, match="day-first"):
        parse_chat(sample("ambiguous_dates.txt"))


def test_parse_chat_ambiguous_file_read_in_the_order_given():
    text = sample("ambiguous_dates.txt")
    day_first = parse_chat(text, date_order="dmy")
    month_first = parse_chat(text, date_order="mdy")
    assert day_first.entries[0].sent_at == datetime(2026, 2, 1, 9, 0)
    assert month_first.entries[0].sent_at == datetime(2026, 1, 2, 9, 0)
    assert month_first.date_order == "mdy"


def test_parse_chat_refuses_a_file_that_mixes_both_orders():
    with pytest.raises(AmbiguousDateOrder, match="both day-first and month-first"):
        parse_chat("25/02/2026, 08:00 - Ann: a\n02/25/2026, 08:00 - Ann: b\n")


@pytest.mark.parametrize(
    ("text", "wrong_order"),
    [("25/02/2026, 08:00 - Ann: a\n", "mdy"), ("02/25/2026, 08:00 - Ann: a\n", "dmy")],
)
def test_parse_chat_refuses_an_order_the_file_contradicts(text, wrong_order):
    with pytest.raises(DateOrderMismatch, match="days above 12"):
        parse_chat(text, date_order=wrong_order)


def test_parse_chat_explicit_order_reads_a_file_that_mixes_both():
    chat = parse_chat("25/02/2026, 08:00 - Ann: a\n02/25/2026, 08:00 - Ann: b\n", date_order="dmy")
    # The line that cannot be a day-first date stays with the message above, for the reader to see.
    assert [e.text for e in chat.entries] == ["a\n02/25/2026, 08:00 - Ann: b"]


def test_parse_chat_never_drops_text_before_the_first_readable_message():
    with pytest.raises(NotAChatExport, match="Line 1"):
        parse_chat("02/25/2026, 08:00 - Ann: a\n25/02/2026, 08:00 - Ann: b\n", date_order="dmy")


def test_parse_chat_rejects_an_unknown_date_order():
    with pytest.raises(ValueError, match="dmy, mdy"):
        parse_chat("25/02/2026, 08:00 - Ann: a", date_order="ymd")


@pytest.mark.parametrize(
    "continuation",
    [
        "Note: this has a colon",
        "- a dashed list item",
        "[in brackets] and (parentheses)",
        "25/02/2026 - a date, no time",
        "25/02/2026, 08:00 is when we meet - bring kit",
        "[25/02/2026, 08:00] Ann: an iOS line pasted into an Android chat",
        "31/02/2026, 08:00 - Ann: the 31st of February is no date",
        "25/02/2026, 25:00 - Ann: nor is 25 o'clock in 24-hour time",
        "25/02/2026, 13:00 pm - Ann: nor 13 pm",
    ],
)
def test_parse_chat_keeps_a_look_alike_line_with_the_message_above(continuation):
    chat = parse_chat(f"25/02/2026, 08:00 - Ann: first line\n{continuation}\n25/02/2026, 08:01 - Ben: next")
    assert [(e.author, e.text) for e in chat.entries] == [
        ("Ann", f"first line\n{continuation}"),
        ("Ben", "next"),
    ]


def test_parse_chat_android_line_pasted_into_an_ios_chat_is_not_a_header():
    chat = parse_chat("[25/02/2026, 08:00:00] Ann: quoting\n25/02/2026, 08:00 - Ben: hi\n")
    assert [(e.author, e.text) for e in chat.entries] == [("Ann", "quoting\n25/02/2026, 08:00 - Ben: hi")]


def test_parse_chat_keeps_blank_lines_inside_a_message_but_not_at_its_end():
    chat = parse_chat("25/02/2026, 08:00 - Ann: one\n\ntwo\n\n\n25/02/2026, 08:01 - Ben: next\n\n")
    assert [e.text for e in chat.entries] == ["one\n\ntwo", "next"]


def test_parse_chat_phone_number_authors_lose_their_direction_marks():
    entry = only("25/02/2026, 08:00 - \u202a+44 7700 900123\u202c: hello")
    assert entry.author == "+44 7700 900123"
    assert entry.kind == "message"


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u202a", "\u202b", "\u202d", "\u202e"])
def test_parse_chat_strips_direction_marks_before_a_line_and_an_author(mark):
    entry = only(f"{mark}[25/02/2026, 08:00:00] {mark}Ann{mark}: {mark}hello")
    assert (entry.author, entry.text) == ("Ann", "hello")


def test_parse_chat_byte_order_mark_and_crlf_do_not_reach_the_entries():
    chat = parse_chat("\ufeff25/02/2026, 08:00 - Ann: one\r\ntwo\r\n25/02/2026, 08:01 - Ben: three\r\n")
    assert [(e.author, e.text) for e in chat.entries] == [("Ann", "one\ntwo"), ("Ben", "three")]


def test_parse_chat_old_mac_line_ends_split_lines():
    chat = parse_chat("25/02/2026, 08:00 - Ann: one\r25/02/2026, 08:01 - Ben: two")
    assert [e.author for e in chat.entries] == ["Ann", "Ben"]


@pytest.mark.parametrize(
    "event",
    [
        "Messages and calls are end-to-end encrypted. Only people in this chat can read them.",
        'Ruth created group "Year 4"',
        "You created group \"Year 4\"",
        "Ruth added Ben",
        "Ruth added +44 7700 900123",
        "Ruth removed Ben",
        "Ben left",
        "Ben joined using this group's invite link",
        'Ruth changed the subject from "Y4" to "Year 4: Kestrels"',
        "Ruth changed this group's icon",
        "Ruth changed the group description",
    ],
)
def test_parse_chat_android_events_have_no_author(event):
    entry = only(f"25/02/2026, 08:00 - {event}")
    assert (entry.author, entry.kind, entry.text) == (None, "system", event)


@pytest.mark.parametrize(
    "event",
    [
        "Messages and calls are end-to-end encrypted. Only people in this chat can read them.",
        "Ruth created group “Year 4”",
        "Ruth added Ben",
        "Ruth removed Ben",
        "Ben left",
        "Ben joined using this group's invite link",
        "Ruth changed the subject to “Year 4: Kestrels”",
        "Ruth changed this group's icon",
        "Ruth changed the group description",
    ],
)
def test_parse_chat_ios_events_under_the_group_name_have_no_author(event):
    entry = only(f"[25/02/2026, 08:00:00] Year 4 Kestrels: \u200e{event}")
    assert (entry.author, entry.kind, entry.text) == (None, "system", event)


@pytest.mark.parametrize(
    "notice",
    [
        "Messages and calls are end-to-end encrypted.",
        "Messages to this group are now secured with end-to-end encryption.",
        "Messages you send to this chat and calls are now secured with end-to-end encryption.",
    ],
)
def test_parse_chat_encryption_notice_is_an_event_even_without_a_mark(notice):
    entry = only(f"[25/02/2026, 08:00:00] Year 4: {notice}")
    assert (entry.author, entry.kind) == (None, "system")


def test_parse_chat_a_parent_asking_about_encryption_is_still_a_message():
    entry = only("[25/02/2026, 08:00:00] Ann: Messages here are end-to-end encrypted, right?")
    assert (entry.author, entry.kind) == ("Ann", "message")


def test_parse_chat_a_parent_writing_about_an_event_is_still_a_message():
    entry = only("25/02/2026, 08:00 - Ann: Ruth added Ben and then Ben left")
    assert (entry.author, entry.kind) == ("Ann", "message")
    ios_entry = only("[25/02/2026, 08:00:00] Ann: Ruth added Ben")
    assert (ios_entry.author, ios_entry.kind) == ("Ann", "message")


@pytest.mark.parametrize(
    "text",
    ["This message was deleted", "You deleted this message", "\u200eThis message was deleted.",
     "\u200eYou deleted this message."],
)
def test_parse_chat_deleted_messages_keep_their_author(text):
    entry = only(f"[25/02/2026, 08:00:00] Karl: {text}")
    assert (entry.author, entry.kind) == ("Karl", "deleted")


@pytest.mark.parametrize(
    ("text", "media_name"),
    [
        ("<Media omitted>", None),
        ("\u200eimage omitted", None),
        ("\u200evideo omitted", None),
        ("\u200eaudio omitted", None),
        ("\u200esticker omitted", None),
        ("\u200e<attached: 00000007-PHOTO-2026-03-22-09-01-09.jpg>", "00000007-PHOTO-2026-03-22-09-01-09.jpg"),
        ("IMG-20260101-WA0001.jpg (file attached)", "IMG-20260101-WA0001.jpg"),
        ("Trip letter.pdf (file attached)", "Trip letter.pdf"),
        ("\u200eTrip letter.pdf • \u200e2 pages \u200e<attached: 00000012-Trip letter.pdf>",
         "00000012-Trip letter.pdf"),
    ],
)
def test_parse_chat_media_entries_name_their_file(text, media_name):
    entry = only(f"25/02/2026, 08:00 - Jo: {text}")
    assert (entry.author, entry.kind, entry.media_name) == ("Jo", "media", media_name)


def test_parse_chat_media_caption_stays_with_the_file():
    entry = only("25/02/2026, 08:00 - Jo: IMG-20260101-WA0001.jpg (file attached)\nLook at this")
    assert entry.text == "IMG-20260101-WA0001.jpg (file attached)\nLook at this"
    assert entry.media_name == "IMG-20260101-WA0001.jpg"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        sample("not_a_chat.txt"),
        "Dear parents,\n25/02/2026, 08:00 - Ann: a pasted line under a letter\n",
        "25/02/2026, 08:00 - Ann: one header\n" + "then a long letter\n" * 60,
    ],
)
def test_parse_chat_refuses_text_that_is_not_an_export(text):
    with pytest.raises(NotAChatExport, match="not (a WhatsApp chat export|look like)"):
        parse_chat(text)


def test_parse_chat_entries_cannot_be_changed():
    entry = only("25/02/2026, 08:00 - Ann: hi")
    with pytest.raises(AttributeError):
        entry.text = "edited"


def test_parse_chat_reads_50000_lines_well_under_two_seconds():
    stamp_lines = [
        "25/02/2026, 08:00 - Ann: Kit list: towel - hat",
        "[and goggles]",
        "25/02/2026, 08:01 - \u202a+44 7700 900123\u202c: <Media omitted>",
        "25/02/2026, 08:02 - Ruth added Ben",
        "25/02/2026, 08:03 - Karl: This message was deleted",
        "25/02/2026, 08:04 - Ben: Thanks",
    ]
    text = "\n".join(stamp_lines * 8334)
    started = time.perf_counter()
    chat = parse_chat(text)
    elapsed = time.perf_counter() - started
    assert len(chat.entries) == 5 * 8334
    assert elapsed < 2.0, f"parsed in {elapsed:.2f} s"
