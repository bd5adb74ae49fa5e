"""The case list's filters, search and sorting (django-filter)."""

import datetime

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from incidents.access.schools import members
from incidents.cases.selectors import case_search, parents_matching
from incidents.decisions.selectors import RESPONSE_CHOICES, cases_with_response
from incidents.inputs import DatesInRangeForm, PersonChoiceField
from incidents.models import Case, User
from incidents.roles import Role
from policies.models import Clause, School

# Days compared as moments: `opened_at >= midnight` can use the index on opened_at, where
# `opened_at::date >= day` (django's __date lookup) reads every row.

def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def on_or_after(queryset: QuerySet, field: str, day: datetime.date) -> QuerySet:
    """Rows whose `field` (a date and time) falls on `day` or later, in the school's time zone."""
    return queryset.filter(**{f"{field}__gte": _start_of(day)})


def on_or_before(queryset: QuerySet, field: str, day: datetime.date) -> QuerySet:
    """Rows whose `field` falls on `day` or earlier."""
    return queryset.filter(**{f"{field}__lt": _start_of(day + datetime.timedelta(days=1))})


class PersonFilter(django_filters.ModelChoiceFilter):
    """A filter by one person, who is shown by name and roles (never by username)."""

    field_class = PersonChoiceField


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    status = django_filters.ChoiceFilter(choices=Case.Status.choices, empty_label="Any status")
    severity = django_filters.ChoiceFilter(choices=Case.Severity.choices, empty_label="Any severity")
    # Every lead of the school, past ones included (their cases are still listed), named with their
    # roles: set in __init__, for the school in hand.
    lead = PersonFilter(queryset=User.objects.none(), empty_label="Any lead")
    response = django_filters.ChoiceFilter(
        label="Response", choices=RESPONSE_CHOICES, empty_label="Any response", method="by_response",
    )
    category = django_filters.ModelChoiceFilter(
        label="Breach category", field_name="clauses", empty_label="Any category",
        queryset=Clause.objects.none(),
    )
    parent = django_filters.CharFilter(label="Parent's name", method="by_parent")
    opened_from = django_filters.DateFilter(
        label="Opened from", field_name="opened_at", method=on_or_after,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    opened_to = django_filters.DateFilter(
        label="Opened to", field_name="opened_at", method=on_or_before,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(("opened_at", "opened"), ("incident_date", "incident"), ("reference", "reference"),
                ("severity", "severity"), ("status", "status")),
        field_labels={"opened": "Opened", "incident": "Incident date", "reference": "Reference",
                      "severity": "Severity", "status": "Status"},
    )

    class Meta:
        model = Case
        fields: list[str] = []
        form = DatesInRangeForm

    def __init__(self, *args, school: School, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.filters["lead"].queryset = members(school, Role.LEAD).order_by("first_name", "last_name", "username")
        self.filters["category"].queryset = Clause.objects.filter(
            kind=Clause.Kind.INAPPROPRIATE, version__policy__school=school).select_related("version")

    def search(self, queryset, name, value):
        return case_search(queryset, value)

    def by_response(self, queryset, name, value):
        return cases_with_response(queryset, value)

    def by_parent(self, queryset, name, value):
        # IN, not EXISTS: the matching parents come from the trigram indexes (PostgreSQL) and their
        # cases from the link table's index, instead of a probe per case.
        # The school's own parents only: every other school's "Patel" would otherwise be looked up too.
        matching = parents_matching(value, school=self.school).order_by().values("pk")
        return queryset.filter(pk__in=Case.parents.through.objects.filter(parent__in=matching).values("case_id"))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # Filtering through many-to-many joins can repeat a case.
        if self.form.cleaned_data.get("category"):
            queryset = queryset.distinct()
        return queryset
