"""Reading a CSV export of the school's information system (SIMS, Arbor, Bromcom) into plain rows.

tablib reads the CSV; this module decides which column is which, by header name, case-insensitively.
The columns, and the names each system gives them, are documented in docs/people-import.md.
"""

import re
from dataclasses import dataclass

import tablib
from tablib.exceptions import InvalidDimensions

# Our field → the header names that mean it, best first: where a file has two of them (a legal and a
# preferred forename), a row's value comes from the first one that is not empty.
COLUMNS: dict[str, tuple[str, ...]] = {
    "child_first_name": (
        "child_first_name", "preferred forename", "forename", "legal forename", "first name", "child forename",
        "pupil forename", "student forename", "pupil first name", "student first name", "child first name",
    ),
    "child_last_name": (
        "child_last_name", "preferred surname", "surname", "legal surname", "last name", "child surname",
        "pupil surname", "student surname", "pupil last name", "student last name", "child last name",
    ),
    "class": (
        "class", "reg group", "registration group", "registration form", "form", "form group", "tutor group",
        "class name", "reg", "year group", "year",
    ),
    "parent_first_name": (
        "parent_first_name", "contact forename", "contact first name", "parent forename", "parent first name",
        "guardian forename", "guardian first name", "carer forename", "carer first name",
    ),
    "parent_last_name": (
        "parent_last_name", "contact surname", "contact last name", "parent surname", "parent last name",
        "guardian surname", "guardian last name", "carer surname", "carer last name",
    ),
    "parent_email": (
        "parent_email", "contact email", "primary email", "contact email address", "email", "email address",
        "parent email", "guardian email",
    ),
    "parent_phone": (
        "parent_phone", "contact telephone", "contact mobile", "mobile", "mobile phone", "phone", "telephone",
        "contact phone", "primary telephone", "primary phone", "parent phone", "guardian mobile",
    ),
    "relationship": (
        "relationship", "relationship to pupil", "relationship to student", "relationship to child",
        "contact relationship", "relation",
    ),
}
REQUIRED = ("child_first_name", "child_last_name", "class", "parent_first_name", "parent_last_name")
FIELD_LABELS = {
    "child_first_name": "child's first name", "child_last_name": "child's last name", "class": "class",
    "parent_first_name": "parent's first name", "parent_last_name": "parent's last name",
    "parent_email": "parent's e-mail", "parent_phone": "parent's phone", "relationship": "relationship",
}

_SPACES = re.compile(r"[\s_\-]+")
_XLSX_OR_ZIP = b"PK\x03\x04"
_OLD_EXCEL = b"\xd0\xcf\x11\xe0"


class UnreadableFile(ValueError):
    """The file cannot be read as a people CSV at all: the message says why, in plain words."""


@dataclass(frozen=True)
class Row:
    line: int  # as a spreadsheet numbers rows: the header row is 1
    values: dict[str, str]  # our field → the cell, stripped; "" when empty or not in the file


@dataclass(frozen=True)
class PeopleTable:
    rows: list[Row]
    columns: dict[str, str]  # our field → the file's header used for it (the first, when several)
    ignored_columns: list[str]


def _normalise(header: str) -> str:
    return _SPACES.sub(" ", header.replace("\ufeff", "")).strip().casefold()


_ALIASES = {_normalise(alias): field for field, aliases in COLUMNS.items() for alias in aliases}


def decode(data: bytes) -> str:
    """The file's text, or UnreadableFile: CSV exports are UTF-8 (with or without a byte-order mark)."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    if data.startswith(_XLSX_OR_ZIP) or data.startswith(_OLD_EXCEL):
        raise UnreadableFile("This is a spreadsheet workbook, not a CSV file: save it as 'CSV UTF-8' and try again.")
    if b"\x00" in data[:8192]:
        raise UnreadableFile("This is not a text file, so it cannot be a CSV export.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"The file is not UTF-8 text (an unexpected byte at position {error.start}): export it again as "
            "'CSV UTF-8', or open it in a spreadsheet and save it as 'CSV UTF-8'."
        ) from None


def read_people_csv(data: bytes) -> PeopleTable:
    """Read the file's rows by their headers, or raise UnreadableFile naming what is wrong."""
    text = decode(data)
    dataset = tablib.Dataset()
    try:
        dataset.load(text, format="csv")
    except InvalidDimensions:
        # tablib stops at the first row with more cells than the header; the rows before it were kept.
        raise UnreadableFile(
            f"Line {len(dataset) + 2} has more cells than the header row has columns (a comma inside a name "
            "that is not in quotes?). Export the file again, or correct that line."
        ) from None
    except Exception as error:  # tablib and csv raise several kinds for text that is not CSV
        raise UnreadableFile(f"The file cannot be read as CSV: {error}.") from None
    headers = [str(header or "") for header in (dataset.headers or [])]

    positions: dict[str, list[int]] = {}
    ignored = []
    for position, header in enumerate(headers):
        field = _ALIASES.get(_normalise(header))
        if field is None:
            if header.strip():
                ignored.append(header.strip())
        else:
            positions.setdefault(field, []).append(position)
    if not positions and len(headers) == 1 and (";" in headers[0] or "\t" in headers[0]):
        raise UnreadableFile("The columns are separated by semicolons or tabs, not commas: save the export as "
                             "'CSV UTF-8 (comma delimited)' and try again.")
    if not positions:
        raise UnreadableFile(
            "No column in the first line has a name Casebook knows (for example 'child_first_name' or "
            "'Legal Forename'), so this does not look like a CSV export of pupils and contacts. "
            "See docs/people-import.md for the columns."
        )
    missing = [field for field in REQUIRED if field not in positions]
    if missing:
        raise UnreadableFile(
            "The file has no column for: " + ", ".join(
                f"the {FIELD_LABELS[field]} (for example '{COLUMNS[field][0]}' or '{COLUMNS[field][2].title()}')"
                for field in missing) + ".")
    # The preferred alias first, whatever the order of the columns in the file.
    for field, found in positions.items():
        rank = {alias: index for index, alias in enumerate(map(_normalise, COLUMNS[field]))}
        found.sort(key=lambda position: rank[_normalise(headers[position])])

    rows = []
    for index, cells in enumerate(dataset):
        values = {}
        for field in COLUMNS:
            values[field] = next(
                (value for position in positions.get(field, [])
                 if (value := " ".join(str(cells[position] or "").split()))), "")
        if any(values.values()) or any(str(cell).strip() for cell in cells):
            rows.append(Row(line=index + 2, values=values))
    return PeopleTable(
        rows=rows, columns={field: headers[found[0]].strip() for field, found in positions.items()},
        ignored_columns=ignored,
    )
