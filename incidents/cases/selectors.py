"""Reading cases: one case for a user, its timeline, search, counts by status, a parent's open and
earlier cases, and finding parents by name. Every read starts from access.visibility.cases_visible_to."""

import csv
import io
import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Upper
from django.shortcuts import get_object_or_404
from django.utils import timezone

from incidents.access.visibility import cases_visible_to
from incidents.models import (
    Case,
    CaseAccess,
    CaseEvent,
    Concern,
    Membership,
    Parent,
    Statement,
    User,
)
from policies.models import PolicyVersion, School


def case_for(user: User, reference: str) -> Case:
    """The case with this reference if the user may see it; 404 otherwise (never 403: a 403 would
    tell them the case exists)."""
    visible = cases_visible_to(user).select_related("lead", "policy_version__policy")
    # Matched by id, found from the reference in a subquery: with `id = …` PostgreSQL checks each
    # part of the visibility rule for this one case; with `reference = …` it would first list every
    # case the user may see (14 ms → 0.2 ms per case page for office staff at 100,000 cases).
    case_id = Case.objects.filter(reference=reference).order_by().values("pk")[:1]
    return get_object_or_404(visible, pk=Subquery(case_id))


def case_accesses(case: Case) -> QuerySet[CaseAccess]:
    """Who opened this case, newest first: everyone, in Casebook, while it is restricted (only then is
    it written, services.case_access_record); anyone who looked at it through the admin."""
    accesses = case.accesses.all() if case.restricted else case.accesses.filter(via=CaseAccess.Via.ADMIN)
    return accesses.select_related("user").prefetch_related(_roles_at(case.school))


def _roles_at(school: School) -> Prefetch:
    """The users' roles at the case's school (User.role_names), read with them in one query."""
    return Prefetch("user__memberships", queryset=Membership.objects.filter(school=school)
                    .select_related("school").prefetch_related("roles"))


def _cell(value: str) -> str:
    # A spreadsheet runs a cell that starts like a formula; a name typed as "=HYPERLINK(…)" must stay text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def case_accesses_csv(case: Case) -> str:
    """The whole access log of a case as CSV: when, who (name and roles), where, what."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Case", "Opened at", "Who", "Username", "Where", "What"])
    for access in case.accesses.select_related("user").prefetch_related(_roles_at(case.school)).order_by("at", "id"):
        writer.writerow([case.reference, f"{timezone.localtime(access.at):%Y-%m-%d %H:%M:%S}",
                         _cell(access.user.name_and_roles), _cell(access.user.username),
                         access.get_via_display(), _cell(access.what)])
    return out.getvalue()


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's one chronology, in time order."""
    return case.events.select_related("actor").order_by("at", "id")


def _search_words(text: str) -> list[str]:
    # Letters and digits only: nothing the user types can be read as tsquery syntax.
    return re.findall(r"[^\W_]+", text)


def case_search(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Cases whose reference is the text, or whose title, summary, concerns or statements mention
    every word of it.

    PostgreSQL: full-text search on Case.search_document (GIN index; English stemming, so "threats"
    finds "threatened"), the last word matching as a prefix, so results appear while a word is half typed.
    SQLite: the plain fallback, each word anywhere in those texts.
    """
    text = text.strip()
    words = _search_words(text)
    if not words:
        return queryset.filter(reference=text.upper()) if text else queryset
    # References are stored upper-case; an exact match keeps the unique index usable.
    by_reference = Q(reference=text.upper())
    if connection.vendor == "postgresql":
        terms = words[:-1] + [words[-1] + ":*"]
        query = SearchQuery(" & ".join(terms), search_type="raw", config="english")
        return queryset.filter(by_reference | Q(search_document=query))
    matches_all = Q()
    for word in words:
        matches_all &= (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(Exists(Concern.objects.filter(case=OuterRef("pk"), description__icontains=word)))
            | Q(Exists(Statement.objects.filter(case=OuterRef("pk"), text__icontains=word)))
        )
    return queryset.filter(by_reference | matches_all)


def status_counts(queryset: QuerySet[Case]) -> dict[str, int]:
    # count(*), not count(id): PostgreSQL can then answer from the status index alone (an index-only
    # scan: 12 ms instead of 55 ms over 100,000 cases).
    rows = queryset.order_by().values("status").annotate(n=Count("*"))
    counts = {status: 0 for status in Case.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def open_cases_for_parents(user: User, parent_ids: list[int]) -> QuerySet[Case]:
    """Open cases the user may see about any of these parents (offered when logging a concern)."""
    if not parent_ids:
        return Case.objects.none()
    return (
        cases_visible_to(user)
        .filter(parents__in=parent_ids)
        .exclude(status=Case.Status.CLOSED)
        .distinct()
        .order_by("-opened_at")
    )


def open_cases_citing(user: User, version: PolicyVersion) -> QuerySet[Case]:
    """Open cases the user may see that were decided under `version` or cite any of its clauses
    (asked before a new version is adopted: they keep citing this one)."""
    return (
        cases_visible_to(user)
        .filter(Q(policy_version=version) | Q(clauses__version=version))
        .exclude(status=Case.Status.CLOSED)
        .distinct()
    )


NAME_WORDS_MAX = 4


def parents_matching(text: str, *, school: School | None = None) -> QuerySet[Parent]:
    """Parents whose name matches what was typed, in name order (first name, last name or both:
    "karl", "dunn", "karl dunn" and "dun" all find Karl Dunn). Case does not matter.

    Every word must appear in the first or the last name. On PostgreSQL each word is an
    `UPPER(name) LIKE '%WORD%'`, which the trigram indexes on UPPER(first_name) and UPPER(last_name)
    answer (migration 0011); a word of one or two letters holds no trigram, so it must be a whole
    first or last name ("Li", "Ng"), which the same indexes answer by equality. Nothing typed:
    no parents.
    """
    # A name has few words; each is two more index searches, so a long paste counts only its first few.
    # Split at spaces only: "O'Brien" and "Smith-Jones" are one word each (Django escapes % and _).
    words = text.split()[:NAME_WORDS_MAX]
    if not words:
        return Parent.objects.none()
    matching = Parent.objects.all() if school is None else Parent.objects.filter(school=school)
    for word in words:
        if len(word) < 3:
            matching = matching.filter(Q(first_name__iexact=word) | Q(last_name__iexact=word))
        else:
            matching = matching.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    # Ordered by the upper-cased names: the planner, misjudging how many rows a LIKE matches, would
    # otherwise walk the (last_name, first_name) index filtering every parent (~140 ms at 100,000)
    # instead of asking the trigram indexes (a few ms).
    return matching.order_by(Upper("last_name"), Upper("first_name"), "pk")


def earlier_cases_of_parent(parent_id: int, *, exclude: Case | None = None) -> QuerySet[Case]:
    qs = Case.objects.filter(parents=parent_id).order_by("-opened_at")
    return qs.exclude(pk=exclude.pk) if exclude else qs
