import pytest

from incidents.chats.redaction import redact_chat_text

NAMES = {"Karl Dunn", "Ruth Adeyemi", "Ben Castle", "+44 7700 900461"}
KEEP = {"Karl Dunn"}


def redact(text: str, keep=KEEP, names=NAMES) -> str:
    return redact_chat_text(text, keep=keep, names=names)


def test_redact_chat_text_replaces_other_members_and_keeps_the_parent_concerned():
    assert redact("Karl Dunn replied to Ruth Adeyemi and Ben Castle") == (
        "Karl Dunn replied to [group member B] and [group member A]"
    )


def test_redact_chat_text_gives_each_person_one_label_throughout():
    text = "Ruth Adeyemi said it. ruth adeyemi said it again. Ruth, stop. Ben Castle agreed with Adeyemi."
    assert redact(text) == (
        "[group member B] said it. [group member B] said it again. [group member B], stop. "
        "[group member A] agreed with [group member B]."
    )


def test_redact_chat_text_handles_possessives_and_curly_apostrophes():
    assert redact("Ruth's a teacher's pet, and Ben’s no better") == (
        "[group member B]'s a teacher's pet, and [group member A]’s no better"
    )


def test_redact_chat_text_leaves_words_that_merely_contain_a_name():
    names = {"Karl Dunn", "Ann Lee"}
    assert redact("Annual meeting: Ann, bring the Lee-Enfield poster. Leeds won.", names=names) == (
        "Annual meeting: [group member A], bring the [group member A]-Enfield poster. Leeds won."
    )


def test_redact_chat_text_does_not_hide_a_shared_first_name_of_the_kept_parent():
    names = {"Karl Dunn", "Karl Smith"}
    # "Karl" alone could be either; the kept parent's name is never redacted.
    assert redact("Karl Smith and Karl Dunn. Karl said so.", names=names) == (
        "[group member A] and Karl Dunn. Karl said so."
    )


def test_redact_chat_text_treats_a_phone_number_author_as_a_member():
    assert redact("+44 7700 900461 wrote first") == "[group member C] wrote first"


@pytest.mark.parametrize("number", [
    "07700 900461", "07700900461", "07700-900-461", "+447700900461", "+44 (0)7700 900461", "0044 7700 900461",
    "01234 567890", "020 7946 0000", "0121 496 0000", "+1 415 555 2671", "+33 6 12 34 56 78", "(01234) 567890",
])
def test_redact_chat_text_hides_phone_numbers_in_every_common_format(number):
    assert redact(f"Ring me on {number} tonight") == "Ring me on [phone number] tonight"


@pytest.mark.parametrize("text", [
    "See you on 12/10/2026 at 21:14", "Trip costs £12.50", "Room 0 is shut", "Year 2026 intake", "Order 012345",
])
def test_redact_chat_text_leaves_dates_times_and_short_numbers(text):
    assert redact(text) == text


def test_redact_chat_text_keeps_a_kept_phone_number_author():
    names = {"+44 7700 900461", "Ruth Adeyemi"}
    assert redact("+44 7700 900461 asked Ruth", keep={"+44 7700 900461"}, names=names) == (
        "+44 7700 900461 asked [group member A]"
    )
