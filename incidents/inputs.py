"""Form inputs every part uses: date and date-time pickers, dates kept to years a school means, ids read
from a query string, a field for several files at once, and pickers of people."""

import re
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from incidents.access.schools import members
from incidents.models import User
from incidents.roles import Role
from policies.models import School

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Years a school's records can mean. 9999-12-31 or year 1 is a slip of the keyboard, and past these
# bounds adding a day overflows Python's dates and converting to UTC overflows PostgreSQL's.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2099


def date_in_range(value) -> None:
    """Validator for dates and date-times: years 1900 to 2099 only."""
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}.", code="date_out_of_range")


class DatesInRange:
    """For forms: every date and date-time field accepts years 1900 to 2099 only, with a plain message
    on the field (what was typed stays in it)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField) and date_in_range not in field.validators:
                field.validators.append(date_in_range)


class DatesInRangeForm(DatesInRange, forms.Form):
    """The form class of filters with dates (FilterSet Meta.form)."""


_ID = re.compile(r"[0-9]{1,18}")


def ids_from(values: Iterable[object]) -> list[int]:
    """The row ids among values from a query string or form; anything else ("abc", "²", a number too
    big for the database) is left out. str.isdigit would let "²" through to int(), which refuses it."""
    return [int(text) for text in map(str, values) if _ID.fullmatch(text)]


def id_from(value: object) -> int | None:
    """One row id from a query string or form, or None when the value is not one."""
    ids = ids_from([value]) if value not in (None, "") else []
    return ids[0] if ids else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def people_holding(*roles: Role, school: School) -> QuerySet[User]:
    """Active users holding any of these roles at `school`, by name, with their roles there read in the
    same go (a picker names each person's roles: one query for all, not one per person)."""
    return members(school, *roles).filter(is_active=True).order_by("first_name", "last_name", "username")


class PersonChoiceField(forms.ModelChoiceField):
    """Pick one person: shown as "Full Name (Role, Role)", never by username alone."""

    def label_from_instance(self, obj) -> str:
        return obj.name_and_roles


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """Pick several people: each shown as "Full Name (Role, Role)", never by username alone."""

    def label_from_instance(self, obj) -> str:
        return obj.name_and_roles
