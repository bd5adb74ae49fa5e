"""Reading a chat: its messages a page at a time, search within it, its media, its marks, and the marked
messages a letter or an export quotes (other people's names redacted where asked)."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from incidents.chats.redaction import redact_chat_text
from incidents.models import Case, ChatImport, ChatMark, ChatMedia, ChatMessage, Evidence


def chat_imports_among(evidence: list[Evidence]) -> list[ChatImport]:
    """The chats read from these pieces of evidence (from case_evidence), oldest first, as
    chat_imports_for orders them."""
    chats = [item.chat_import for item in evidence if hasattr(item, "chat_import")]
    return sorted(chats, key=lambda chat: (chat.created_at, chat.pk))


CHAT_PAGE_SIZE = 200


def chat_imports_for(case: Case) -> QuerySet[ChatImport]:
    return ChatImport.objects.filter(evidence__case=case).select_related("evidence").order_by("created_at", "id")


def chat_import_for(case: Case, pk: int) -> ChatImport:
    """A chat of this case, or 404."""
    return get_object_or_404(chat_imports_for(case), pk=pk)


def chat_media_for(chat_import: ChatImport, pk: int) -> ChatMedia:
    return get_object_or_404(chat_import.media.all(), pk=pk)


def chat_messages_page(chat_import: ChatImport, *, query: str = "", page: str | int | None = 1) -> Page:
    """One page of the conversation (CHAT_PAGE_SIZE entries), optionally only entries whose text or
    author contains `query`. A big chat is never rendered whole."""
    messages = chat_import.messages.order_by("position")
    query = query.strip()
    if query:
        messages = messages.filter(Q(text__icontains=query) | Q(author__icontains=query))
    return Paginator(messages, CHAT_PAGE_SIZE).get_page(page)


def chat_page_of(message: ChatMessage) -> int:
    """The page of the unfiltered conversation a message is on (to jump from a search result)."""
    # Positions run 0, 1, 2, … without gaps: each read numbers the entries afresh.
    return message.position // CHAT_PAGE_SIZE + 1


def chat_active_marks(chat_import: ChatImport, keys: list[str] | None = None) -> dict[str, list[ChatMark]]:
    """Marks not removed, by message key."""
    marks = chat_import.marks.filter(removed_at__isnull=True).select_related("clause", "marked_by")
    if keys is not None:
        marks = marks.filter(message_key__in=keys)
    found: dict[str, list[ChatMark]] = {}
    for mark in marks:
        found.setdefault(mark.message_key, []).append(mark)
    return found


def chat_imports_awaiting_date_order(case: Case) -> QuerySet[ChatImport]:
    return chat_imports_for(case).filter(status=ChatImport.Status.AWAITING_DATE_ORDER)


def marked_messages_for(case: Case, *, redact_others: bool, keep: set[str] | None = None) -> list[dict]:
    """The messages marked on this case's chats, in chat order, as plain dicts for letters and exports:
    {"author", "sent_at" (naive, as written), "text", "clause" (its number)}.

    With `redact_others`, the names of other chat members and all phone numbers are replaced
    (see chat.redaction). `keep` names the people not to redact; by default the parents concerned,
    by their full names as recorded on the case. A message marked under two clauses appears twice.
    """
    if keep is None:
        keep = {parent.full_name for parent in case.parents.all()} if redact_others else set()  # read to redact only
    marks = list(
        ChatMark.objects.filter(chat_import__evidence__case=case, removed_at__isnull=True)
        .select_related("clause", "chat_import")
        .order_by("chat_import__created_at", "chat_import_id", "id")
    )
    messages = {
        (message.chat_import_id, message.key): message
        for message in ChatMessage.objects.filter(
            chat_import__in={mark.chat_import_id for mark in marks}, key__in={mark.message_key for mark in marks}
        )
    }
    quoted: list[dict[str, Any]] = []
    for mark in marks:
        message = messages.get((mark.chat_import_id, mark.message_key))
        if message is None:
            continue  # its chat was rebuilt and the message is no longer read the same way
        author, text = message.author, message.text
        if redact_others:
            names = set(mark.chat_import.authors)
            author = redact_chat_text(author, keep=keep, names=names) if author else author
            text = redact_chat_text(text, keep=keep, names=names)
        quoted.append({
            "author": author, "sent_at": message.sent_at, "text": text, "clause": mark.clause.number,
            "_order": (mark.chat_import.created_at, mark.chat_import_id, message.position, mark.clause.number),
        })
    quoted.sort(key=lambda item: item["_order"])
    for item in quoted:
        del item["_order"]
    return quoted
