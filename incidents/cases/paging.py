"""Pages of long lists whose total is not worth counting exactly.

A filtered list or a search over 100,000 cases can match thousands; counting them all costs more
than showing the page (~40 ms to count 5,000 cases matching a parent's name). Nobody pages
through a thousand results: past `CAP` the list says "more than 1,000" and asks for a narrower filter.
"""

from functools import cached_property
from typing import cast

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet

CAP = 1000


class CappedPaginator(Paginator):
    """Reads the ids of at most CAP + 1 matching rows (SELECT id FROM … LIMIT CAP + 1), so it stops early.

    When there are more, `capped` is true, `count` is CAP and pages beyond the CAP-th row are not
    offered. When there are not, `matches` holds every matching id (page_by_ids pages among them).
    """

    cap = CAP
    # The same rows in a form that is cheaper to search, when the list's own form suits paging better
    # (visibility.cases_visible_to(for_page=True)). It must hold exactly the list's rows: under the
    # cap, the page is chosen among its ids.
    count_from: QuerySet | None = None

    @cached_property
    def matches(self) -> list[int]:
        # page_by_ids gives it a queryset (of ids) to page, so the rows can be counted in SQL.
        rows = cast(QuerySet, self.object_list) if self.count_from is None else self.count_from
        return list(rows.order_by().values_list("pk", flat=True)[: self.cap + 1])

    @cached_property
    def count(self) -> int:
        return min(len(self.matches), self.cap)

    @property
    def capped(self) -> bool:
        return len(self.matches) > self.cap


def page_by_ids(queryset: QuerySet, *, per_page: int, number, paginator_class: type[Paginator] = Paginator,
                load: QuerySet | None = None, count: int | None = None,
                count_from: QuerySet | None = None) -> Page:
    """One page of `queryset`, its rows chosen by id alone and only then loaded with their related rows.

    Ordering and counting a list of letters joined to their cases, templates and staff made
    PostgreSQL join every candidate row before sorting (~300 ms for the letter register
    at 100,000 cases); sorting ids first and joining 25 rows after is a few ms. The page's
    `object_list` holds the full objects, in the order of the queryset.

    `load` is what loads those rows (e.g. the model's rows with their select_related), when
    filtering them again through `queryset` would cost more than it checks: the ids came from it.
    `count`, when the caller already knows the total, saves counting it again; `count_from` gives a
    CappedPaginator the same rows in a form cheaper to search.

    A CappedPaginator under its cap has read every matching id to count them: the page is then
    chosen among those ids, sorted in the queryset's order, instead of asking the database to find
    the matches again (office staff's cases for a parent's name, 244 of 100,000, took
    19 ms to count and 14 ms more to find again for the page; sorting the 244 takes 1–2).
    """
    paginator = paginator_class(queryset.values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.count = count
    if count_from is not None and isinstance(paginator, CappedPaginator):  # the one paginator that reads it
        paginator.count_from = count_from
    if isinstance(paginator, CappedPaginator) and not paginator.capped and _fits_one_query(queryset, paginator.matches):
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        by_id = queryset.model._default_manager.filter(pk__in=paginator.matches).order_by(*ordering)
        paginator.object_list = list(by_id.values_list("pk", flat=True))
    page = paginator.get_page(number)
    rows = (load if load is not None else queryset).in_bulk(list(page.object_list))
    page.object_list = [rows[pk] for pk in page.object_list]
    return page


def _fits_one_query(queryset: QuerySet, ids: list[int]) -> bool:
    """SQLite before 3.32 takes at most 999 parameters in a query (PostgreSQL: no limit that matters)."""
    limit = connections[queryset.db].features.max_query_params
    return limit is None or len(ids) <= limit
