"""Read the text of a WhatsApp chat export into a list of entries.

Pure Python, no Django: the evidence views, the `parse_chat` command and the benchmark all call
`parse_chat`. The parser never guesses whether dates are day-first or month-first; when the file
cannot tell, it raises `AmbiguousDateOrder` so the caller can ask (offering day-first, the UK way).

What a header line looks like (everything else continues the message above it):

    Android  12/10/2026, 21:14 - Name: text          iOS  [04/09/2026, 08:15:55] Name: text
             12/10/26, 9:14 pm - Name: text               [4/9/26, 8:15:55 AM] Name: text
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

DateOrder = Literal["dmy", "mdy"]
Platform = Literal["android", "ios"]
Kind = Literal["message", "system", "media", "deleted"]

DATE_ORDERS: tuple[str, ...] = ("dmy", "mdy")

# Phones wrap names, numbers and system text in these direction marks; they are invisible in the
# app but would otherwise end up in author names and break matching.
DIRECTION_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_MARKS_CLASS = "[" + DIRECTION_MARKS + "\ufeff]"
_STRIP_MARKS = str.maketrans("", "", DIRECTION_MARKS + "\ufeff")

# One regex for both platforms, compiled once. The date separator must be the same twice
# (12/10/2026, 12.10.26, 12-10-2026). Spaces before AM/PM may be a normal, no-break or narrow
# no-break space (newer exports use U+202F).
_HEADER = re.compile(
    r"^" + _MARKS_CLASS + r"*"
    r"(?:(?P<bracket>\[)" + _MARKS_CLASS + r"*)?"
    r"(?P<first>\d{1,2})(?P<sep>[./-])(?P<second>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2}),?[ \u00a0\u202f]"
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second_of_minute>\d{2}))?"
    r"(?:[ \u00a0\u202f]?(?P<ampm>[AaPp])\.?[Mm]\.?)?"
    r"(?(bracket)\][ \u00a0\u202f]|[ \u00a0\u202f][-\u2013][ \u00a0\u202f])"
    r"(?P<rest>.*)$",
    re.DOTALL,
)

# WhatsApp's notice in its current and older wordings ("Messages to this group are now secured with
# end-to-end encryption."). It must be a sentence that ends there, so a parent's question about
# encryption stays a message.
ENCRYPTION_NOTICE = re.compile(r"^Messages\b[^.:!?\n]{0,80}end-to-end encrypt(?:ed|ion)\.", re.IGNORECASE)

# Events whose text may itself contain ": " (a group subject, a description), so the text before the
# first ": " must not be mistaken for an author. Other events ("left", "added") never contain ": ".
_EVENT_BEFORE_COLON = re.compile(
    r" (?:created group |created this group|changed the subject|changed this group's"
    r"|changed the group|changed the settings|joined using this group's invite link)"
)

# On iOS, events and placeholders are written as "Someone: \u200etext"; these are the events.
_IOS_EVENT = re.compile(
    r"(?:^Messages and calls are end-to-end encrypted| created group | created this group| added | added$"
    r"| removed | removed$| left$|^You left$| joined using this group's invite link| changed the subject"
    r"| changed this group's| changed the group| changed their phone number| was added$|^You were added"
    r"|^You created group|^Disappearing messages| turned (?:on|off) disappearing messages"
    r"| security code (?:changed|with))"
)

_DELETED = re.compile(r"^(?:This message was deleted|You deleted this message)\.?$", re.IGNORECASE)
_MEDIA_OMITTED = re.compile(
    r"^(?:<Media omitted>|(?:image|video|audio|GIF|sticker|document|Contact card|media) omitted)$",
    re.IGNORECASE,
)
# iOS may put a document's title and page count before the marker: "Trip.pdf • 2 pages <attached: …>".
_ATTACHED = re.compile(r"<attached: (?P<name>[^>\n]+)>")
_FILE_ATTACHED = re.compile(r"^(?P<name>[^\n]+?) \(file attached\)")


class ChatParseError(ValueError):
    """The text cannot be read as a chat; the message is meant for the person who uploaded it."""


class NotAChatExport(ChatParseError):
    """No header lines, a first line that is not one, or too few of them."""


class AmbiguousDateOrder(ChatParseError):
    """Nothing in the file tells day-first from month-first: ask, offering day-first."""


class DateOrderMismatch(ChatParseError):
    """The order given contradicts dates in the file."""


@dataclass(frozen=True, slots=True)
class ChatEntry:
    """One message or event. `sent_at` is the naive time as written on the sender's phone."""

    index: int
    line_number: int
    sent_at: datetime
    author: str | None
    text: str
    kind: Kind
    media_name: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedChat:
    entries: list[ChatEntry]
    date_order: DateOrder
    platform: Platform

    @property
    def authors(self) -> list[str]:
        """Everyone who wrote in the chat, in order of their first entry."""
        return list(dict.fromkeys(entry.author for entry in self.entries if entry.author is not None))


# A real chat has a header every few lines; a long poem or a pasted letter can stretch that, but
# text with fewer than one header per this many non-empty lines is not an export.
MAX_LINES_PER_HEADER = 50


def parse_chat(text: str, *, date_order: str | None = None) -> ParsedChat:
    """Parse the text of a WhatsApp export (Android or iOS).

    `date_order` ("dmy" or "mdy") settles the order when the caller knows it; without it the order is
    inferred from the whole file and `AmbiguousDateOrder` is raised when nothing tells. Raises
    `NotAChatExport` when the text does not look like an export. No side effects.
    """
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {', '.join(DATE_ORDERS)}, not {date_order!r}")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    match_header = _HEADER.match
    headers = [match_header(line) for line in lines]
    first_header = next((h for h in headers if h is not None), None)
    platform: Platform = "ios" if first_header is not None and first_header["bracket"] else "android"
    # A file comes from one phone: a line in the other platform's style is text someone pasted in.
    bracketed = platform == "ios"
    headers = [h if h is not None and (h["bracket"] is not None) == bracketed else None for h in headers]
    header_count = len(lines) - headers.count(None)
    _refuse_unless_chat(lines, headers, header_count)
    order = _date_order(headers, cast(DateOrder | None, date_order))  # checked against DATE_ORDERS above

    day_group, month_group = ("first", "second") if order == "dmy" else ("second", "first")
    entries: list[ChatEntry] = []
    current: list | None = None  # [line_number, sent_at, rest, continuation lines]
    for line_number, (line, header) in enumerate(zip(lines, headers, strict=True), start=1):
        sent_at = _sent_at(header, day_group, month_group) if header is not None else None
        if header is None or sent_at is None:  # no date and time that can be read
            if current is not None:
                current[3].append(line)
            elif line.strip():
                # Dropping text before the first message would lose it without anyone knowing.
                raise NotAChatExport(
                    f"Line {line_number} of this chat comes before any message with a date that can be read."
                )
            continue
        if current is not None:
            entries.append(_entry(len(entries), *current))
        current = [line_number, sent_at, header["rest"], []]
    if current is not None:
        entries.append(_entry(len(entries), *current))
    return ParsedChat(entries=entries, date_order=order, platform=platform)


def _refuse_unless_chat(lines: list[str], headers: list, header_count: int) -> None:
    if header_count == 0:
        raise NotAChatExport("This is not a WhatsApp chat export: no line starts with a date and time.")
    first_non_empty = next(i for i, line in enumerate(lines) if line.strip())
    if headers[first_non_empty] is None:
        raise NotAChatExport(
            "This is not a WhatsApp chat export: its first line does not start with a date and time."
        )
    non_empty = sum(1 for line in lines if line.strip())
    if non_empty > header_count * MAX_LINES_PER_HEADER:
        raise NotAChatExport(
            "This does not look like a WhatsApp chat export: too few of its lines start with a date and time."
        )


def _date_order(headers: list, given: DateOrder | None) -> DateOrder:
    """The order given, or the one the file proves; never a guess."""
    day_first = month_first = False
    for header in headers:
        if header is None:
            continue
        first, second = int(header["first"]), int(header["second"])
        # Only a date that can be read one way alone tells; one readable neither way is not a header.
        if first > 12 and second <= 12 and first <= 31:
            day_first = True
        elif second > 12 and first <= 12 and second <= 31:
            month_first = True
    if given is not None:
        # Reading a file that proves one order in the other would quietly fold messages into each other.
        if given == "mdy" and day_first and not month_first:
            raise DateOrderMismatch("This chat's dates are day-first (it has days above 12), not month-first.")
        if given == "dmy" and month_first and not day_first:
            raise DateOrderMismatch("This chat's dates are month-first (it has days above 12), not day-first.")
        return given
    if day_first and not month_first:
        return "dmy"
    if month_first and not day_first:
        return "mdy"
    if day_first and month_first:
        raise AmbiguousDateOrder(
            "The dates in this chat are written both day-first and month-first, so they cannot be read "
            "safely. Choose the order the phone used (day-first is usual in the UK)."
        )
    raise AmbiguousDateOrder(
        "No date in this chat has a day above 12, so it cannot tell whether dates are day-first "
        "(12/10/2026 = 12 October) or month-first (12/10/2026 = 10 December). "
        "Choose the order (day-first is usual in the UK)."
    )


def _sent_at(header: re.Match, day_group: str, month_group: str) -> datetime | None:
    """The time a header line states, or None when it is not a real date (then it is not a header)."""
    year = int(header["year"])
    if year < 100:
        year += 2000
    hour = int(header["hour"])
    ampm = header["ampm"]
    if ampm is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm in "Pp" else 0)
    seconds = header["second_of_minute"]
    try:
        return datetime(
            year, int(header[month_group]), int(header[day_group]),
            hour, int(header["minute"]), int(seconds) if seconds else 0,
        )
    except ValueError:
        return None


def _entry(index: int, line_number: int, sent_at: datetime, rest: str, continuation: list[str]) -> ChatEntry:
    author, separator, body = rest.partition(": ")
    if not separator or _EVENT_BEFORE_COLON.search(author):
        # No "Name: " means WhatsApp wrote it: an event such as "Ruth created group" or "Mo left".
        text = _join(rest.translate(_STRIP_MARKS), continuation)
        return ChatEntry(index, line_number, sent_at, None, text, "system")

    marked = body.startswith(("\u200e", "\u200f"))  # iOS marks its events and placeholders
    body = body.lstrip(DIRECTION_MARKS)
    author = author.translate(_STRIP_MARKS).strip()
    if ENCRYPTION_NOTICE.match(body) or (marked and _IOS_EVENT.search(body)):
        # On iOS the "author" of an event is the group's name (or whoever it was about): not a person.
        return ChatEntry(index, line_number, sent_at, None, _join(body, continuation), "system")
    text = _join(body, continuation)
    if _DELETED.match(text):
        return ChatEntry(index, line_number, sent_at, author, text, "deleted")
    media = _ATTACHED.search(body) or _FILE_ATTACHED.match(body)
    if media is not None:
        name = media["name"].translate(_STRIP_MARKS).strip()
        return ChatEntry(index, line_number, sent_at, author, text, "media", name)
    if _MEDIA_OMITTED.match(body.rstrip()):
        return ChatEntry(index, line_number, sent_at, author, text, "media")
    return ChatEntry(index, line_number, sent_at, author, text, "message")


def _join(first: str, continuation: list[str]) -> str:
    if not continuation:
        return first.rstrip()
    return "\n".join([first, *continuation]).rstrip()
