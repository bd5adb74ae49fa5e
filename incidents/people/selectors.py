"""The plan of an import: what a file would add, change and leave alone, and which rows it refuses.

Worked out from the file and the database without writing anything, so the same plan is the preview
an administrator confirms and the list of writes `services.people_import` then makes.
"""

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from incidents.models import Child, Parent
from incidents.people.reading import FIELD_LABELS, REQUIRED, PeopleTable, Row
from policies.models import School

MAX_LENGTHS = {
    "child_first_name": 80, "child_last_name": 80, "class": 40, "parent_first_name": 80,
    "parent_last_name": 80, "parent_email": 254, "parent_phone": 40, "relationship": 40,
}
_PHONE = re.compile(r"^\+?[0-9 ()\-.]+$")


def phone_digits(phone: str) -> str:
    """A phone number reduced to what identifies it: digits, with +44 read as a leading 0."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+44") or digits.startswith("0044"):
        digits = "0" + digits.removeprefix("00").removeprefix("44")
    return digits


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


@dataclass
class PlannedParent:
    line: int  # the first line that names this parent
    first_name: str
    last_name: str
    email: str
    phone: str
    relationship: str
    existing: Parent | None = None
    changes: dict[str, str] = field(default_factory=dict)  # field → new value

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class PlannedChild:
    line: int
    first_name: str
    last_name: str
    class_name: str
    existing: Child | None = None
    changes: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str


@dataclass
class ImportPlan:
    """What an import would do. Lists, so a preview can show each person."""

    rows_read: int = 0
    parents: list[PlannedParent] = field(default_factory=list)
    children: list[PlannedChild] = field(default_factory=list)
    new_links: list[tuple[PlannedParent, PlannedChild]] = field(default_factory=list)
    new_classes: list[str] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)

    def _split(self, items):
        added = [item for item in items if item.existing is None]
        changed = [item for item in items if item.existing is not None and item.changes]
        unchanged = [item for item in items if item.existing is not None and not item.changes]
        return added, changed, unchanged

    @property
    def parents_added(self) -> list[PlannedParent]:
        return self._split(self.parents)[0]

    @property
    def parents_changed(self) -> list[PlannedParent]:
        return self._split(self.parents)[1]

    @property
    def parents_unchanged(self) -> list[PlannedParent]:
        return self._split(self.parents)[2]

    @property
    def children_added(self) -> list[PlannedChild]:
        return self._split(self.children)[0]

    @property
    def children_changed(self) -> list[PlannedChild]:
        return self._split(self.children)[1]

    @property
    def children_unchanged(self) -> list[PlannedChild]:
        return self._split(self.children)[2]

    @property
    def digest(self) -> str:
        """A fingerprint of everything the plan would do: the page that confirms an import sends back the
        digest of the preview read, and the import stops if the plan worked out again differs from it."""
        position = {id(item): index for index, item in enumerate([*self.parents, *self.children])}
        summary = {
            "parents": [[p.existing.pk if p.existing else None, p.first_name, p.last_name, p.email, p.phone,
                         p.relationship, sorted(p.changes.items())] for p in self.parents],
            "children": [[c.existing.pk if c.existing else None, c.first_name, c.last_name, c.class_name,
                          sorted(c.changes.items())] for c in self.children],
            "links": [[position[id(p)], position[id(c)]] for p, c in self.new_links],
            "refused": [[row.line, row.reason] for row in self.refused],
        }
        return hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()

    @property
    def has_changes(self) -> bool:
        return bool(self.parents_added or self.parents_changed or self.children_added or self.children_changed
                    or self.new_links)


class _Refused(Exception):
    pass


class _Planner:
    """Reads the school's parents and children once, then takes the file's rows one by one."""

    def __init__(self, school: School, table: PeopleTable):
        self.plan = ImportPlan(rows_read=len(table.rows), ignored_columns=table.ignored_columns,
                               columns=table.columns)
        # Indexed once, so a file of thousands of rows against thousands of parents is not rows × parents.
        self.school_parents_by_email: dict[str, list[Parent]] = defaultdict(list)
        self.school_parents_by_name: dict[tuple[str, str], list[Parent]] = defaultdict(list)
        for parent in Parent.objects.filter(school=school).prefetch_related("children"):
            if parent.email:
                self.school_parents_by_email[parent.email.lower()].append(parent)
            self.school_parents_by_name[parent.first_name.casefold(), parent.last_name.casefold()].append(parent)
        self.school_children_by_name: dict[tuple[str, str], list[Child]] = defaultdict(list)
        self.known_classes: set[str] = set()
        for child in Child.objects.filter(school=school):
            self.school_children_by_name[child.first_name.casefold(), child.last_name.casefold()].append(child)
            self.known_classes.add(child.class_name.casefold())
        self.parents_by_email: dict[str, PlannedParent] = {}
        self.parents_by_name_phone: dict[tuple[str, str, str], PlannedParent] = {}
        self.parents_by_existing: dict[int, PlannedParent] = {}
        self.children_by_key: dict[tuple[str, str, str], PlannedChild] = {}
        self.children_by_existing: dict[int, PlannedChild] = {}
        self.links: set[tuple[int, int]] = set()
        self.planned_parents: set[int] = set()

    def take(self, row: Row) -> None:
        try:
            values = self._checked(row)
            parent = self._parent(row, values)
            child = self._child(row, values, parent)
        except _Refused as refusal:
            self.plan.refused.append(RefusedRow(line=row.line, reason=str(refusal)))
            return
        self._remember(parent, values)
        self._remember_child(child)
        key = (id(parent), id(child))
        if key not in self.links:
            self.links.add(key)
            linked = (parent.existing is not None and child.existing is not None
                      and any(c.pk == child.existing.pk for c in parent.existing.children.all()))
            if not linked:
                self.plan.new_links.append((parent, child))
        if child.class_name.casefold() not in self.known_classes:
            self.known_classes.add(child.class_name.casefold())
            self.plan.new_classes.append(child.class_name)

    # --- checks on one row -----------------------------------------------------------------

    def _checked(self, row: Row) -> dict[str, str]:
        values = row.values
        missing = [FIELD_LABELS[name] for name in REQUIRED if not values[name]]
        if missing:
            raise _Refused("no " + ", no ".join(missing) + ".")
        for name, limit in MAX_LENGTHS.items():
            if len(values[name]) > limit:
                raise _Refused(f"the {FIELD_LABELS[name]} is longer than {limit} characters.")
        if values["parent_email"]:
            try:
                validate_email(values["parent_email"])
            except ValidationError:
                raise _Refused(f"'{values['parent_email']}' is not an e-mail address.") from None
        if values["parent_phone"] and not (_PHONE.match(values["parent_phone"])
                                           and len(phone_digits(values["parent_phone"])) >= 6):
            raise _Refused(f"'{values['parent_phone']}' is not a phone number.")
        if not values["parent_email"] and not values["parent_phone"]:
            raise _Refused("no e-mail and no phone for the parent: one is needed to tell parents with the same "
                           "name apart.")
        return values

    # --- parents ---------------------------------------------------------------------------

    def _parent(self, row: Row, values: dict[str, str]) -> PlannedParent:
        first, last = values["parent_first_name"], values["parent_last_name"]
        email, phone = values["parent_email"].lower(), values["parent_phone"]
        name_phone = (first.casefold(), last.casefold(), phone_digits(phone)) if phone else None

        planned = self.parents_by_email.get(email) if email else None
        if planned is None and name_phone:
            planned = self.parents_by_name_phone.get(name_phone)
            if planned is not None and email and planned.email and planned.email != email:
                planned = None  # the same name and phone with another e-mail: the e-mail decides below
        if planned is not None:
            if not (_same(planned.first_name, first) and _same(planned.last_name, last)):
                raise _Refused(f"the e-mail {email} is given to {planned.full_name} on line {planned.line}, "
                               f"not to {first} {last}; each parent needs their own e-mail, or none.")
            return planned

        existing = self._existing_parent(email=email, first=first, last=last, phone=phone)
        if existing is not None and existing.pk in self.parents_by_existing:
            return self.parents_by_existing[existing.pk]
        planned = PlannedParent(line=row.line, first_name=first, last_name=last, email=email, phone=phone,
                                relationship=values["relationship"], existing=existing)
        if existing is not None:
            wanted = {"email": email, "phone": phone, "relationship": values["relationship"]}
            stored = {"email": existing.email.lower(), "phone": existing.phone, "relationship": existing.relationship}
            for name, value in wanted.items():
                # An empty cell never wipes what Casebook holds; a phone written differently is the same phone.
                same_phone = name == "phone" and phone_digits(value) == phone_digits(stored[name])
                if value and value != stored[name] and not same_phone:
                    planned.changes[name] = value
        return planned

    def _existing_parent(self, *, email: str, first: str, last: str, phone: str) -> Parent | None:
        if email:
            by_email = self.school_parents_by_email.get(email, [])
            if len(by_email) > 1:
                raise _Refused(f"{len(by_email)} parents in Casebook have the e-mail {email}; correct them first.")
            if by_email:
                found = by_email[0]
                if not (_same(found.first_name, first) and _same(found.last_name, last)):
                    raise _Refused(f"the e-mail {email} belongs to {found.full_name} in Casebook, not to "
                                   f"{first} {last}.")
                return found
        if phone:
            digits = phone_digits(phone)
            by_name = [p for p in self.school_parents_by_name.get((first.casefold(), last.casefold()), [])
                       if p.phone and phone_digits(p.phone) == digits]
            if len(by_name) > 1:
                raise _Refused(f"{len(by_name)} parents in Casebook are called {first} {last} with the phone "
                               f"{phone}; correct them first.")
            if by_name:
                return by_name[0]
        return None

    def _remember(self, parent: PlannedParent, values: dict[str, str]) -> None:
        if id(parent) in self.planned_parents:
            return
        self.planned_parents.add(id(parent))
        self.plan.parents.append(parent)
        if parent.email:
            self.parents_by_email[parent.email] = parent
        if parent.phone:
            key = (parent.first_name.casefold(), parent.last_name.casefold(), phone_digits(parent.phone))
            self.parents_by_name_phone.setdefault(key, parent)
        if parent.existing is not None:
            self.parents_by_existing[parent.existing.pk] = parent
            if parent.existing.email:
                self.parents_by_email.setdefault(parent.existing.email.lower(), parent)

    # --- children --------------------------------------------------------------------------

    def _child(self, row: Row, values: dict[str, str], parent: PlannedParent) -> PlannedChild:
        first, last, class_name = values["child_first_name"], values["child_last_name"], values["class"]
        same_name = self.school_children_by_name.get((first.casefold(), last.casefold()), [])
        parents_children = set()
        if parent.existing is not None:
            parents_children = {c.pk for c in parent.existing.children.all()}
        # A child who moved class (a new school year) is found through their parent, not added again.
        moved = [c for c in same_name if c.pk in parents_children and not _same(c.class_name, class_name)]
        key = (first.casefold(), last.casefold(), class_name.casefold())
        if key in self.children_by_key:
            planned = self.children_by_key[key]
            if planned.existing is None and len(moved) == 1 and moved[0].pk not in self.children_by_existing:
                # An earlier row named the child with a parent new to Casebook; this parent knows them.
                planned.existing, planned.changes = moved[0], {"class_name": class_name}
                self.children_by_existing[moved[0].pk] = planned
            return planned
        in_class = [c for c in same_name if _same(c.class_name, class_name)]
        if len(in_class) > 1:
            # Two children of the same name in one class: the parent's own child is the one meant.
            in_class = [c for c in in_class if c.pk in parents_children]
            if len(in_class) != 1:
                raise _Refused(f"more than one {first} {last} in {class_name} in Casebook, and none of them is "
                               f"already linked to {parent.full_name}.")
        existing: Child | None = None
        changes: dict[str, str] = {}
        if in_class:
            existing = in_class[0]
        elif len(moved) == 1:
            existing, changes = moved[0], {"class_name": class_name}
        if existing is not None and existing.pk in self.children_by_existing:
            other = self.children_by_existing[existing.pk]
            raise _Refused(f"{first} {last} is in {other.class_name} on line {other.line} and in {class_name} here.")
        return PlannedChild(line=row.line, first_name=first, last_name=last, class_name=class_name,
                            existing=existing, changes=changes)

    def _remember_child(self, child: PlannedChild) -> None:
        key = (child.first_name.casefold(), child.last_name.casefold(), child.class_name.casefold())
        if key in self.children_by_key:
            return
        self.children_by_key[key] = child
        self.plan.children.append(child)
        if child.existing is not None:
            self.children_by_existing[child.existing.pk] = child


def people_import_plan(*, school: School, table: PeopleTable) -> ImportPlan:
    """What importing `table` into `school` would do. Reads only."""
    planner = _Planner(school, table)
    for row in table.rows:
        planner.take(row)
    return planner.plan
