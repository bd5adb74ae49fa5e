"""Hide other group members' names and everyone's phone numbers in chat text that leaves the school.

Pure Python, no Django. Chosen at the time a letter or export is generated; nothing stored is changed.
"""

from __future__ import annotations

import re
import string

# A run that starts like a phone number: "+44", "0044", or a UK "0"; digits may be split by spaces,
# dots, dashes and brackets ("+44 (0)7700 900123", "020 7946 0000"). Slashes and colons are left
# out so dates and times never match. The digit count is checked afterwards.
_PHONE_CANDIDATE = r"(?:\+|\b00|\(0|\b0)\d[\d \u00a0().-]{5,20}\d"
_UK_DIGITS = range(10, 12)  # 07700 900123, 020 7946 0000
_INTERNATIONAL_DIGITS = range(8, 16)  # E.164 allows up to 15


def _letters(index: int) -> str:
    """A, B, … Z, AA, AB, … so any number of members gets a label."""
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = string.ascii_uppercase[remainder] + label
    return label


def _is_phone_number(text: str) -> bool:
    digits = sum(character.isdigit() for character in text)
    text = text.lstrip("(")
    if text.startswith("+") or text.startswith("00"):
        return digits - (2 if text.startswith("00") else 0) in _INTERNATIONAL_DIGITS
    return digits in _UK_DIGITS


def _name_pattern(name: str, *, ignore_case: bool) -> str:
    escaped = r"\s+".join(re.escape(part) for part in name.split())
    body = f"(?i:{escaped})" if ignore_case else escaped
    # Not inside a longer word: "Ann" must not hide part of "Annual"; "Ann's" keeps its "'s".
    return rf"(?<!\w){body}(?!\w)"


def member_labels(*, keep: set[str], names: set[str]) -> dict[str, str]:
    """Each other member's name → "[group member A]", in alphabetical order of their names (members
    known only by a phone number last), so the same person has the same label in every message of
    one letter."""
    kept = {name.casefold() for name in keep}
    others = sorted({name for name in names if name.strip() and name.casefold() not in kept},
                    key=lambda name: (not name[0].isalpha(), name.casefold()))
    return {name: f"[group member {_letters(index)}]" for index, name in enumerate(others)}


def redact_chat_text(text: str, *, keep: set[str], names: set[str]) -> str:
    """Replace the names of chat members not in `keep` with "[group member A]" (the same label for
    the same person throughout) and every phone number with "[phone number]".

    `names` is everyone who wrote in the chat (its authors); `keep` the people the letter is about.
    Full names are matched whatever their case; a first name or surname on its own ("Ruth's post")
    is matched when capitalised and when it belongs to one other member only, and never when it is
    part of a kept name. Kept names are left as written, even when they are phone numbers.
    """
    labels = member_labels(keep=keep, names=names)
    kept_names = [name for name in keep if name.strip()]
    kept_parts = {part.casefold() for name in kept_names for part in name.split()}

    # Single names (first name, surname) that point at one other member only.
    part_owners: dict[str, set[str]] = {}
    for name in labels:
        parts = name.split()
        if len(parts) < 2 or _is_phone_number(name):
            continue
        for part in (parts[0], parts[-1]):
            if len(part) >= 2 and part[0].isupper() and part.casefold() not in kept_parts:
                part_owners.setdefault(part, set()).add(name)
    owner_of_part = {part: owners.pop() for part, owners in part_owners.items() if len(owners) == 1}

    # One pass over the text, longest alternatives first, so "Ruth Adeyemi" wins over "Ruth" and a
    # kept name is consumed before any part of it could be replaced.
    alternatives: list[tuple[str, str]] = []
    for name in kept_names:
        alternatives.append((_name_pattern(name, ignore_case=True), f"keep:{name}"))
    for name in labels:
        alternatives.append((_name_pattern(name, ignore_case=True), f"name:{name}"))
    for part, owner in owner_of_part.items():
        alternatives.append((_name_pattern(part, ignore_case=False), f"name:{owner}"))
    alternatives.sort(key=lambda item: len(item[0]), reverse=True)
    groups = [f"(?P<g{index}>{pattern})" for index, (pattern, _) in enumerate(alternatives)]
    groups.append(f"(?P<phone>{_PHONE_CANDIDATE})")
    actions = {f"g{index}": action for index, (_, action) in enumerate(alternatives)}
    pattern = re.compile("|".join(groups))

    def replace(match: re.Match) -> str:
        group = match.lastgroup
        assert group is not None  # every alternative is a named group
        found = match.group(0)
        if group == "phone":
            return "[phone number]" if _is_phone_number(found.strip()) else found
        action, _, name = actions[group].partition(":")
        return found if action == "keep" else labels[name]

    return pattern.sub(replace, text)
