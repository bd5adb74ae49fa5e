"""`manage.py parse_chat FILE [--date-order dmy|mdy] [--json]`: read a WhatsApp export as Casebook would.

Exit status: 0 when read; 2 when the dates are ambiguous and no --date-order was given (run it again
with one); 1 when the file cannot be used (not a chat export, an unsafe or damaged zip, not a file,
or a --date-order its dates contradict).
"""

import json
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.chats.archive import ChatUploadError, read_chat_upload
from incidents.chats.parser import DATE_ORDERS, AmbiguousDateOrder, ChatParseError, ParsedChat, parse_chat

EXIT_UNUSABLE = 1
EXIT_AMBIGUOUS = 2
PLATFORM_NAMES = {"android": "Android", "ios": "iOS"}


class Command(BaseCommand):
    help = "Parse a WhatsApp chat export (.txt or .zip) and print its entries."
    requires_system_checks = []  # reads a file only; no database, no apps to check

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the exported chat: a .txt file or WhatsApp's .zip")
        parser.add_argument(
            "--date-order",
            choices=DATE_ORDERS,
            help="dmy (day-first, usual in the UK) or mdy; needed when no day in the chat is above 12",
        )
        parser.add_argument("--json", action="store_true", help="print the entries as a JSON list")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.", returncode=EXIT_UNUSABLE) from None
        try:
            upload = read_chat_upload(path.name, data)
            chat = parse_chat(upload.text, date_order=options["date_order"])
        except AmbiguousDateOrder as error:
            raise CommandError(
                f"{error} Run again with --date-order dmy or --date-order mdy.", returncode=EXIT_AMBIGUOUS
            ) from None
        except (ChatUploadError, ChatParseError) as error:
            raise CommandError(f"{path.name}: {error}", returncode=EXIT_UNUSABLE) from None

        if options["json"]:
            self.stdout.write(json.dumps(_as_json(chat), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(_summary(path.name, chat, media_files=len(upload.media)))


def _as_json(chat: ParsedChat) -> list[dict]:
    return [
        {
            "index": entry.index,
            "line_number": entry.line_number,
            "sent_at": entry.sent_at.isoformat(),
            "author": entry.author,
            "kind": entry.kind,
            "text": entry.text,
            "media_name": entry.media_name,
        }
        for entry in chat.entries
    ]


def _summary(name: str, chat: ParsedChat, *, media_files: int) -> str:
    kinds = Counter(entry.kind for entry in chat.entries)
    order = "day-first" if chat.date_order == "dmy" else "month-first"
    lines = [
        f"{name}: {len(chat.entries)} entries from {PLATFORM_NAMES[chat.platform]}, dates read {order}.",
        f"  messages {kinds['message']}, media {kinds['media']}, deleted {kinds['deleted']}, "
        f"events {kinds['system']}; {media_files} media files in the upload.",
    ]
    if chat.entries:
        lines.append(
            f"  from {chat.entries[0].sent_at:%d %B %Y %H:%M} to {chat.entries[-1].sent_at:%d %B %Y %H:%M}"
        )
    authors = chat.authors
    if authors:
        lines.append(f"  authors ({len(authors)}): {', '.join(authors)}")
    return "\n".join(lines)
