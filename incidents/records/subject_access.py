"""Subject access: everything held about one parent, as a zip with a PDF summary and the originals."""

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from incidents.access.schools import members
from incidents.cases.selectors import case_timeline
from incidents.models import (
    Case,
    ChatImport,
    Evidence,
    Letter,
    Parent,
    Statement,
    SubjectAccessRequest,
    User,
)
from incidents.people.confidentiality import RAISER, ParentFacing, parent_facing, same_person
from incidents.roles import Role
from policies.models import School
from policies.pdf import html_to_pdf

WITHHELD = "[name withheld]"


@dataclass
class Redactor:
    """Replaces other people's names with a marker, when the person exporting chooses to."""

    names: set[str] = field(default_factory=set)
    enabled: bool = True
    replaced: int = 0

    def __post_init__(self):
        names = sorted({" ".join(n.split()) for n in self.names if n and len(n.strip()) > 2}, key=len, reverse=True)
        # Any spacing between the parts of a name: "Ruth   Adeyemi" is still Ruth Adeyemi.
        alternatives = [r"\s+".join(re.escape(part) for part in n.split()) for n in names]
        self._pattern = re.compile("|".join(rf"(?<!\w){a}(?!\w)" for a in alternatives), re.I) if names else None

    def __call__(self, text: str) -> str:
        if not self.enabled or self._pattern is None or not text:
            return text
        replaced, count = self._pattern.subn(WITHHELD, text)
        self.replaced += count
        return replaced


THIRD_PARTY = "Third party personal data: UK GDPR Art. 15(4) / DPA 2018 Sch. 2 para 16"
ASKED_ANONYMITY = THIRD_PARTY + "; they asked to remain anonymous"
# A file (a screenshot, a chat export, a forwarded e-mail) shows whoever is in it: Casebook cannot find
# and black out other people in it as it can in typed text, so the whole file is withheld unless the
# Head Teacher, having looked at it, discloses it (the ICO's right of access guidance on information
# about other individuals).
FILE_WITHHELD = (THIRD_PARTY + "; a file cannot be redacted automatically, so it is withheld whole unless the "
                 "Head Teacher discloses it (ICO guidance: right of access, other people's information)")
FILE_OF_ANONYMOUS = (ASKED_ANONYMITY + "; a file they gave could identify them, so it is withheld even when "
                     "other people's data is disclosed")
SENIOR_ROLES = (Role.HEAD, Role.LEAD, Role.DSL)


@dataclass(frozen=True)
class WithheldItem:
    """One line of the export's "withheld" section: what kind of item, whose data (never a name), why."""

    where: str
    item: str
    whose: str
    reason: str = THIRD_PARTY


def _other_people(parent: Parent, cases: list[Case]) -> set[str]:
    """Names of people other than the subject that appear in these cases: other parents, their
    children, people who raised concerns, gave statements or evidence, wrote in a chat, and staff
    other than senior leaders."""
    names: set[str] = set()
    own_children = {c.pk for c in parent.children.all()}
    for case in cases:
        for other in case.parents.exclude(pk=parent.pk):
            names.add(other.full_name)
        for concern in case.concerns.all():
            names.add(concern.raised_by_name)
            for other in concern.parents.exclude(pk=parent.pk):
                names.add(other.full_name)
        for statement in case.statements.all():
            if not same_person(statement.given_by, parent.full_name):
                names.add(statement.given_by)
        for contact in case.contacts.all():
            if contact.parent_id != parent.pk:
                names.add(contact.with_whom)
        for item in case.evidence.all():
            if not same_person(item.provided_by, parent.full_name):
                names.add(item.provided_by)
    for chat in ChatImport.objects.filter(evidence__case__in=cases):
        names.update(author for author in chat.authors if not same_person(author, parent.full_name))
    for other_parent in Parent.objects.filter(cases__in=cases).exclude(pk=parent.pk).prefetch_related("children"):
        names.update(f"{c.first_name} {c.last_name}" for c in other_parent.children.all() if c.pk not in own_children)
    names.update(_junior_staff_names(parent.school))
    return {name for name in names if not same_person(name, parent.full_name)}


def _junior_staff_names(school: School) -> set[str]:
    """Staff who did not act as senior leaders are third parties: their names are withheld. Senior at
    this school: a Head Teacher elsewhere is no senior leader here."""
    senior = members(school, *SENIOR_ROLES)
    return {user.get_full_name() for user in User.objects.exclude(pk__in=senior.values("pk")) if user.get_full_name()}


def _chat_transcript(chat: ChatImport, parent: Parent, *, disclose: bool) -> tuple[list[dict], int]:
    """The chat as the parent may read it: their own messages in full; other members' messages, with
    their names, withheld (counted) unless the Head chose to disclose them."""
    lines: list[dict] = []
    withheld = 0
    for message in chat.messages.order_by("position"):
        own = same_person(message.author, parent.full_name)
        if disclose or own:
            lines.append({"at": message.sent_at, "author": message.author or "WhatsApp", "text": message.text})
            continue
        withheld += 1
        if lines and lines[-1].get("withheld"):
            lines[-1]["withheld"] += 1
        else:
            lines.append({"at": message.sent_at, "withheld": 1})
    return lines, withheld


def _file_kind(item: Evidence, chat: ChatImport | None) -> str:
    if chat is not None or item.obtained == Evidence.Obtained.CHAT_EXPORT:
        return "Chat export"
    if item.content_type.startswith("image/") or item.obtained == Evidence.Obtained.SCREENSHOT:
        return "Screenshot or image"
    if item.obtained == Evidence.Obtained.EMAIL:
        return "Forwarded e-mail"
    return "File"


def _file_withheld(item: Evidence, chat: ChatImport | None, parent: Parent, facing: ParentFacing, *,
                   disclose: bool) -> str:
    """Why this evidence file is left out of the export, or "" to include it as received.

    By default every file someone else gave the school is withheld (FILE_WITHHELD), and every chat
    file (other members wrote in it, whoever sent it); a file the parent gave the school themselves is
    theirs. When the Head Teacher discloses other people's data, a file from someone who asked to
    remain anonymous, or a chat they wrote in, is still withheld."""
    from_anonymous = facing.is_raiser(item.provided_by) or (
        chat is not None and any(facing.is_raiser(author) for author in chat.authors))
    if disclose:
        return FILE_OF_ANONYMOUS if from_anonymous else ""
    if chat is None and same_person(item.provided_by, parent.full_name):
        return ""
    return FILE_OF_ANONYMOUS if from_anonymous else FILE_WITHHELD


def _section(case: Case, parent: Parent, *, disclose: bool, redact: Redactor,
             withheld: list[WithheldItem]) -> dict[str, Any]:
    facing = parent_facing(case)

    def shown(text: str) -> str:
        return redact(facing.text(text))

    def person(name: str) -> str:
        return redact(facing.person(name))

    ref = case.reference
    concerns = []
    for concern in case.concerns.filter(parents=parent).order_by("received_at"):
        when = f"{ref}, concern of {concern.received_at:%-d %B %Y}"
        if concern.raised_anonymously:
            raised_by = RAISER
            withheld.append(WithheldItem(when, "Name and contact details of who raised it",
                                         "the person who raised the concern", ASKED_ANONYMITY))
        elif not disclose and concern.raised_by_name.strip():
            raised_by = RAISER
            withheld.append(WithheldItem(when, "Name and contact details of who raised it",
                                         "the person who raised the concern"))
        else:
            raised_by = concern.raised_by_name or "Not recorded"
        concerns.append({"received_at": concern.received_at, "channel": concern.get_channel_display(),
                         "raised_by": raised_by, "description": shown(concern.description)})
    statements = []
    for statement in case.statements.all():
        if not same_person(statement.given_by, parent.full_name) and (
                not disclose or facing.is_raiser(statement.given_by)):
            withheld.append(WithheldItem(f"{ref}, statement of {statement.given_on:%-d %B %Y}",
                                         "Who gave the statement",
                                         RAISER if facing.is_raiser(statement.given_by) else "a witness",
                                         ASKED_ANONYMITY if facing.is_raiser(statement.given_by) else THIRD_PARTY))
        statements.append({"given_by": person(statement.given_by), "given_on": statement.given_on,
                           "text": shown(statement.text)})
    chats = []
    evidence = []
    for item in case.evidence.select_related("chat_import"):
        chat = getattr(item, "chat_import", None)
        if chat is not None:
            lines, hidden = _chat_transcript(chat, parent, disclose=disclose)
            chats.append({"name": shown(item.original_name), "lines": [
                {**line, "author": person(line["author"]), "text": shown(line["text"])} if "text" in line else line
                for line in lines]})
            if hidden:
                withheld.append(WithheldItem(f"{ref}, chat {shown(item.original_name)}",
                                             f"{hidden} messages written by other members, with their names "
                                             "and phone numbers", "other members of the chat"))
        if why := _file_withheld(item, chat, parent, facing, disclose=disclose):
            whose = "other members of the chat" if chat else "other people shown in it"
            withheld.append(WithheldItem(
                f"{ref}, evidence {shown(item.original_name)}",
                f"{_file_kind(item, chat)} provided by {person(item.provided_by)}, received "
                f"{item.provided_at:%-d %B %Y}" + (" (its transcript above shows your own messages)" if chat else ""),
                RAISER if why == FILE_OF_ANONYMOUS else whose, why))
            continue
        evidence.append({"item": item, "name": shown(item.original_name), "provided_by": person(item.provided_by)})
    return {
        "case": case,
        "concerns": concerns,
        "statements": statements,
        "contacts": [{"happened_at": c.happened_at, "method": c.get_method_display(),
                      "with_whom": c.with_whom if c.parent_id == parent.pk else person(c.with_whom),
                      "summary": shown(c.summary), "agreed_actions": shown(c.agreed_actions)}
                     for c in case.contacts.all()],
        "timeline": [{"at": e.at, "summary": shown(e.summary)} for e in case_timeline(case)],
        "evidence": evidence,
        "chats": chats,
    }


def subject_access_export(*, access_request: SubjectAccessRequest, disclose_others: bool) -> tuple[str, bytes]:
    """Build the export. Returns (file name, zip bytes). Writes nothing (the caller records it).

    Other people's personal data (who raised a concern, witnesses, other parents and their children,
    other members of a chat, staff other than senior leaders) is withheld and listed in the summary's
    "Withheld" section, unless the Head Teacher chose to disclose it (`disclose_others`); someone who
    asked to remain anonymous is withheld either way.

    Contents: summary.pdf (the parent's record, every case about them with its concerns, statements,
    contacts, chats and timeline, and what was withheld), statements-by-them.txt, letters/ (every
    letter PDF sent to them, as sent: letters already withhold the raiser), and
    evidence/<case>/<file>: the original files byte for byte. Files cannot be redacted, so by default
    only those the parent gave the school themselves are included (never a chat file: its transcript
    is in the summary); the rest are listed as withheld (`_file_withheld`).
    """
    parent = access_request.parent
    cases = list(
        Case.objects.filter(parents=parent).select_related("lead").prefetch_related("parents").order_by("opened_at")
    )
    redact = Redactor(names=_other_people(parent, cases), enabled=not disclose_others)
    withheld: list[WithheldItem] = []
    sections = [_section(case, parent, disclose=disclose_others, redact=redact, withheld=withheld) for case in cases]
    if not disclose_others and redact.replaced:
        withheld.append(WithheldItem("Free text and the timeline", "Names of other people written in them",
                                     "other parents, their children, witnesses and staff other than senior "
                                     "leaders"))
    html = render_to_string("incidents/records/sar_summary.html", {
        "request": access_request, "parent": parent, "sections": sections, "redacted": not disclose_others,
        "withheld": withheld, "generated_at": timezone.now(),
    })
    pdf = html_to_pdf(html)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.pdf", pdf)
        own = [s for s in Statement.objects.filter(case__in=cases).select_related("case")
               if same_person(s.given_by, parent.full_name)]
        archive.writestr("statements-by-them.txt", "\n\n".join(
            f"{s.case.reference}, {s.given_on:%d %B %Y}:\n{s.text}" for s in own) or "None recorded.\n")
        letters = Letter.objects.filter(recipient_parent=parent, case__in=cases).exclude(pdf="")
        for letter in letters.select_related("case"):
            with letter.pdf.open("rb") as handle:
                archive.writestr(f"letters/{letter.case.reference}-{letter.purpose}-v{letter.version}.pdf",
                                 handle.read())
        for section in sections:
            for entry in section["evidence"]:
                item = entry["item"]
                with item.file.open("rb") as handle:
                    archive.writestr(f"evidence/{section['case'].reference}/{item.pk}-{entry['name']}",
                                     handle.read())
    name = f"subject-access-{parent.last_name.lower()}-{timezone.localdate():%Y%m%d}.zip"
    return name, buffer.getvalue()
