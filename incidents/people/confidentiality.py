"""Who a person is, as the parent concerned may see it.

A concern raised "anonymously" is anonymous to the parent it is about, not to the school: staff
who may see the case see the raiser's name and how to reach them. Everything that can reach the
parent (letters and their e-mails, the subject access export, any page a parent opens later) asks
this module how to name a person and what to do with free text, so they cannot disagree.

Inside the school, each person sees what their part needs: staff who work on cases (office, leads,
the Head Teacher, the safeguarding lead) see the raiser; a governor (the chair reviewing a ban, a
member of a complaint's panel) judges the school's decision, not who raised the concern, and reads
the case with an anonymous raiser withheld as the parent would (`people_as_seen_by`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from incidents.models import Case, Concern, User
from incidents.roles import Role

RAISER = "the person who raised the concern"
RAISER_CONTACT = "[contact details withheld]"
CONFIDENTIAL = "Confidential: not to be disclosed to the parent"
# The roles whose work on a case needs the raiser's name and how to reach them.
KNOW_THE_RAISER = (Role.OFFICE, Role.LEAD, Role.HEAD, Role.DSL)


def same_person(first: str, second: str) -> bool:
    """Two names as typed are the same person's: case and spacing aside ("ruth  ADEYEMI")."""
    return bool(first.strip()) and _normal(first) == _normal(second)


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


def _name_pattern(name: str) -> str:
    parts = name.split()
    return r"(?<!\w)" + r"\s+".join(re.escape(part) for part in parts) + r"(?!\w)"


def _contact_patterns(contact: str) -> list[str]:
    """A phone number matches however its digits are spaced; anything else (an e-mail) as written."""
    patterns = []
    for piece in re.split(r"[,;/]|\bor\b", contact):
        piece = piece.strip()
        digits = re.sub(r"\D", "", piece)
        if len(digits) >= 7:
            # The national number, whichever way it is written: 07700 900123, +44 7700 900123, (0)7700…
            national = digits[2:] if piece.startswith("+44") or digits.startswith("0044") else digits
            national = national[2:] if national.startswith("00") else national.lstrip("0")
            prefix = r"(?:(?:\+|00)\s*44\s*(?:\(0\)\s*)?|\(0\)\s*|0\s*)?"
            patterns.append(r"(?<!\d)" + prefix + r"[\s().-]*".join(national) + r"(?!\d)")
        elif "@" in piece:
            patterns.append(r"(?<![\w.])" + re.escape(piece) + r"(?![\w])")
    return patterns


@dataclass(frozen=True)
class ParentFacing:
    """The one rule for what the parent may read about other people on their case(s).

    `person(name)` names someone as the parent sees them; `text(...)` withholds an anonymous raiser's
    name and contact details wherever staff typed them; `data(...)` does the same through plain data
    (dicts, lists, strings) such as a letter's context.
    """

    raisers: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def for_concerns(cls, concerns: Iterable[Concern]) -> ParentFacing:
        raisers: dict[str, str] = {}
        contacts: list[str] = []
        for concern in concerns:
            if not concern.raised_anonymously:
                continue
            if concern.raised_by_name.strip():
                raisers.setdefault(_normal(concern.raised_by_name), " ".join(concern.raised_by_name.split()))
            if concern.raised_by_contact.strip():
                contacts.append(concern.raised_by_contact.strip())
        alternatives = [_name_pattern(name) for name in sorted(raisers.values(), key=len, reverse=True)]
        alternatives += [pattern for contact in contacts for pattern in _contact_patterns(contact)]
        pattern = re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE) if alternatives else None
        return cls(raisers=tuple(raisers.values()), contacts=tuple(contacts), _pattern=pattern)

    def is_raiser(self, name: str) -> bool:
        return any(same_person(name, raiser) for raiser in self.raisers)

    def person(self, name: str) -> str:
        """A name as the parent may read it: an anonymous raiser is "the person who raised the concern"."""
        if self.is_raiser(name):
            return RAISER
        return self.text(name)

    def text(self, text: str) -> str:
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(self._replacement, text)

    def mentions(self, text: str) -> list[str]:
        """The anonymous raisers' names (or contact details) this text contains, for a warning to staff."""
        if not text or self._pattern is None:
            return []
        return list(dict.fromkeys(" ".join(match.group(0).split()) for match in self._pattern.finditer(text)))

    def data(self, value: Any, *, keep: frozenset[str] = frozenset()) -> Any:
        """Plain data with every string passed through `text`; dict keys in `keep` are left as they are."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: item if key in keep else self.data(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.data(item) for item in value)
        return value

    def _replacement(self, match: re.Match[str]) -> str:
        return RAISER if any(same_person(match.group(0), raiser) for raiser in self.raisers) else RAISER_CONTACT


def parent_facing(case: Case | Iterable[Case]) -> ParentFacing:
    """How one case (or several: a subject access export) names people for the parent."""
    cases = [case] if isinstance(case, Case) else list(case)
    return ParentFacing.for_concerns(Concern.objects.filter(case__in=cases, raised_anonymously=True))


def knows_the_raiser(user: User) -> bool:
    """Staff whose part needs the raiser's name and contact; not a governor, whatever else they see."""
    return any(user.has_role(role) for role in KNOW_THE_RAISER)


def people_as_seen_by(user: User, case: Case, *, concerns: Iterable[Concern] | None = None) -> ParentFacing:
    """How this user's pages name people on the case: staff who know the raiser see everyone as typed
    (nothing withheld); anyone else (a governor) sees an anonymous raiser as "the person who raised the
    concern", their contact details withheld, as the parent would. `concerns`: the case's, if read."""
    if knows_the_raiser(user):
        return ParentFacing()
    return ParentFacing.for_concerns(case.concerns.all() if concerns is None else concerns)


def raiser_warning(facing: ParentFacing, text: str, *, where: str) -> str:
    """The warning staff see when text they typed names a raiser who asked to remain anonymous."""
    found = facing.mentions(text)
    if not found:
        return ""
    return (f"{where} names {', '.join(found)}, who raised the concern and asked to remain anonymous to the "
            "parent. It is withheld from anything the parent receives, but consider rewording it.")


@dataclass
class CaseConfidentiality:
    """What the case page marks as confidential, and the warnings it shows to staff."""

    evidence: set[int] = field(default_factory=set)
    statements: set[int] = field(default_factory=set)
    events: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def case_confidentiality(case: Case, *, concerns: list[Concern]) -> CaseConfidentiality:
    """Which evidence, statements and chronology lines name an anonymous raiser, and where staff typed
    that name into free text (a warning each). `concerns` are the case's, already read for the page."""
    facing = ParentFacing.for_concerns(concerns)
    marks = CaseConfidentiality()
    if not facing.raisers and not facing.contacts:
        return marks  # the usual case: nothing more to read
    for concern in concerns:
        marks.warnings.append(raiser_warning(
            facing, concern.description, where=f"The description of the concern of {concern.received_at:%-d %b %Y}"))
    for evidence in case.evidence.all():
        if facing.is_raiser(evidence.provided_by):
            marks.evidence.add(evidence.pk)
        marks.warnings.append(raiser_warning(
            facing, evidence.description, where=f"The description of the evidence {evidence.original_name}"))
    for statement in case.statements.all():
        if facing.is_raiser(statement.given_by):
            marks.statements.add(statement.pk)
        marks.warnings.append(raiser_warning(
            facing, statement.text, where=f"The statement by {statement.given_by} of {statement.given_on:%-d %b %Y}"))
    for contact in case.contacts.all():
        marks.warnings.append(raiser_warning(
            facing, f"{contact.summary}\n{contact.agreed_actions}",
            where=f"The record of the contact of {contact.happened_at:%-d %b %Y}"))
    for event in case.events.only("pk", "summary"):
        if facing.mentions(event.summary):
            marks.events.add(event.pk)
    marks.warnings = [warning for warning in marks.warnings if warning]
    return marks
