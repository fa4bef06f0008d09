"""Reads: every query the public pages run lives here.

Functions are keyword-only and return QuerySets or plain data, so the views,
the API and the exports ask the same questions the same way.
"""
from __future__ import annotations

from django.db.models import QuerySet

from .models import Category, Practice


def category_list_with_practices() -> list[tuple[Category, list[Practice]]]:
    """Published practices grouped by category: [(Category, [Practice, …]), …].

    Each Practice has its entries (with city and province) prefetched, so the
    home page runs a fixed number of queries.
    """
    practices = list(Practice.objects.published().with_cities().order_by("number"))
    grouped: dict[int, list[Practice]] = {}
    for practice in practices:
        grouped.setdefault(practice.category_id, []).append(practice)
    return [(category, grouped.get(category.pk, [])) for category in Category.objects.order_by("number")]


def practice_get(*, number: int) -> Practice:
    """One published practice with entries, cities and category; raises DoesNotExist."""
    return Practice.objects.published().with_cities().get(number=number)


def practice_published_list() -> QuerySet[Practice]:
    """All published practices in number order, entries prefetched."""
    return Practice.objects.published().with_cities().order_by("number")
