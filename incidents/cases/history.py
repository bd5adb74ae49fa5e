"""A case's field history (django-simple-history) in words: each field by its label, a choice by its
name, a person by name, a clause by its number and words, a date as the school writes dates.

The history keeps ids and codes; this turns them into what a member of staff reads. It reads the
historical rows, then each kind of thing they point to once, however many changes there are."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst

from incidents.models import Case, Parent, User
from incidents.models.cases import DERIVED_FIELDS
from policies.models import Clause, PolicyVersion

# Bookkeeping, not something a person changed: the lock counter and the times the services keep; and
# the copies of other records (the response in force), which the history does not keep.
_NOT_SHOWN = {"id", "version", "updated_at", "status_changed_at", "search_document", "school", *DERIVED_FIELDS}
_M2M = {"clauses": Clause, "parents": Parent, "assignees": User}
_NOTHING = "—"


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: datetime.datetime
    who: str
    created: bool = False
    changes: list[FieldChange] = field(default_factory=list)


def _target(model_field: models.ForeignKey) -> type[models.Model]:
    return cast(type[models.Model], model_field.related_model)


def _label(name_or_field: str | models.Field) -> str:
    model_field = Case._meta.get_field(name_or_field) if isinstance(name_or_field, str) else name_or_field
    return str(capfirst(getattr(model_field, "verbose_name", model_field.name)))


def _shown_fields() -> list[models.Field]:
    return [f for f in Case._meta.concrete_fields if f.name not in _NOT_SHOWN]


def _m2m_rows(record_ids: list[int]) -> dict[str, dict[int, frozenset[int]]]:
    """For each many-to-many field, each historical row's set of ids: one query per field."""
    history_model = Case.history.model
    found: dict[str, dict[int, frozenset[int]]] = {}
    for rel in history_model._meta.related_objects:
        through = rel.related_model
        target = next((f for f in through._meta.fields if f.name not in ("id", "case", "history", "m2m_history_id")),
                      None)
        name = {"clause": "clauses", "parent": "parents", "user": "assignees"}.get(target.name if target else "")
        if name is None or target is None:
            continue
        sets: dict[int, set[int]] = defaultdict(set)
        for history_id, value in through.objects.filter(history_id__in=record_ids).values_list(
                "history_id", target.attname):
            sets[history_id].add(value)
        found[name] = {record_id: frozenset(sets.get(record_id, ())) for record_id in record_ids}
    return found


def _names(kind: type[models.Model], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    if kind is User:
        return {user.pk: user.display_name for user in User.objects.filter(pk__in=ids)}
    if kind is Parent:
        return {parent.pk: parent.full_name for parent in Parent.objects.filter(pk__in=ids)}
    if kind is Clause:
        return {clause.pk: f"{clause.number}. {_short(clause.text)}" for clause in Clause.objects.filter(pk__in=ids)}
    return {version.pk: str(version) for version in kind._default_manager.filter(pk__in=ids)}


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _words(model_field: models.Field, value, names: dict) -> str:
    """One stored value as a person reads it."""
    if value is None or value == "":
        return _NOTHING
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(model_field, models.ForeignKey):
        return names.get(_target(model_field), {}).get(value, f"(no longer on record: {value})")
    if isinstance(model_field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def _set_words(ids: frozenset[int], names: dict[int, str]) -> str:
    if not ids:
        return _NOTHING
    return "; ".join(sorted(names.get(pk, f"(no longer on record: {pk})") for pk in ids))


def case_field_history(case: Case) -> list[HistoryEntry]:
    """The case's saved changes, newest first, each in words, ending with its opening."""
    records = list(case.history.select_related("history_user").order_by("-history_date", "-history_id"))
    if not records:
        return []
    fields = _shown_fields()
    m2m = _m2m_rows([record.history_id for record in records])

    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for record in records:
        for model_field in fields:
            value = getattr(record, model_field.attname)
            if isinstance(model_field, models.ForeignKey) and value is not None:
                wanted[_target(model_field)].add(value)
    for name, by_record in m2m.items():
        for ids in by_record.values():
            wanted[_M2M[name]].update(ids)
    names = {kind: _names(kind, ids) for kind, ids in wanted.items() if kind in (User, Parent, Clause, PolicyVersion)}

    entries = []
    for newer, older in zip(records, records[1:], strict=False):
        changes = [
            FieldChange(_label(model_field), _words(model_field, before, names), _words(model_field, after, names))
            for model_field in fields
            if (before := getattr(older, model_field.attname)) != (after := getattr(newer, model_field.attname))
        ]
        for name, by_record in m2m.items():
            before, after = by_record[older.history_id], by_record[newer.history_id]
            if before != after:
                changes.append(FieldChange(_label(name),
                                           _set_words(before, names.get(_M2M[name], {})),
                                           _set_words(after, names.get(_M2M[name], {}))))
        entries.append(HistoryEntry(at=newer.history_date, who=_who(newer), changes=changes))
    entries.append(HistoryEntry(at=records[-1].history_date, who=_who(records[-1]), created=True))
    return entries


def _who(record) -> str:
    return record.history_user.display_name if record.history_user else "Casebook (automatic)"
