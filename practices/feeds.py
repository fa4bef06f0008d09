"""Atom feeds of newly published records (/feeds/practices.atom, /feeds/case-reports.atom).

Newest first by ``published_at``; drafts never appear. Each feed runs a fixed
number of queries (items with their relations joined or prefetched).
"""
from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.db.models import F, Prefetch, QuerySet
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import CaseReport, Category, City, Practice

# The whole catalogue (72 practices) fits in one feed, so a reader subscribing
# after the first publication still sees every record once.
FEED_LIMIT = 100
SUMMARY_CHARS = 300


def _newest_first(queryset: QuerySet, *tie_breakers: str) -> QuerySet:
    # A published record without a date (set by hand) sorts last rather than first.
    return queryset.order_by(F("published_at").desc(nulls_last=True), *tie_breakers)


class CatalogueFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("practices:home")
    author_name = _("典型做法目录")

    def item_pubdate(self, item):
        return item.published_at or item.updated

    def item_updateddate(self, item):
        return item.updated


class PracticeFeed(CatalogueFeed):
    """Newly published practices: title, category, reporting cities and a summary."""

    title = _("新发布的典型做法")
    subtitle = _("支持民营企业改革发展的典型做法：新发布的条目")

    def items(self) -> list[Practice]:
        queryset = Practice.objects.published().with_cities()
        return list(_newest_first(queryset, "-number")[:FEED_LIMIT])

    def item_title(self, item: Practice) -> str:
        return str(item)

    def item_description(self, item: Practice) -> str:
        cities = "、".join(entry.city.name for entry in item.entries.all())
        first = next(iter(item.entries.all()), None)
        summary = Truncator(first.text).chars(SUMMARY_CHARS) if first else ""
        return f"{item.category.name} · {cities}\n{summary}".strip()

    def item_categories(self, item: Practice) -> list[str]:
        return [item.category.name]


class CaseReportFeed(CatalogueFeed):
    """Newly published case reports: title, province and the opening of the body."""

    title = _("新发布的案例报道")
    subtitle = _("各地工商联和政协关于民营经济的案例报道：新发布的文章")

    def items(self) -> list[CaseReport]:
        # ``source`` is joined for the byline and for each entry's link and id (the natural URL).
        queryset = CaseReport.objects.published().select_related("province", "source").defer(
            "source__raw_text", "source__non_article_parts",
        ).prefetch_related(
            Prefetch("cities", queryset=City.objects.order_by("adcode", "name")),
            Prefetch("categories", queryset=Category.objects.order_by("number")),
        )
        # Ties broken by natural key, not id: the feed is the same after a restore.
        return list(_newest_first(queryset, "-source__filename", "-position")[:FEED_LIMIT])

    def item_title(self, item: CaseReport) -> str:
        return item.title

    def item_description(self, item: CaseReport) -> str:
        places = "、".join([item.province.name, *(city.name for city in item.cities.all())])
        return f"{places}\n{Truncator(item.body).chars(SUMMARY_CHARS)}"

    def item_author_name(self, item: CaseReport) -> str | None:
        return item.byline or item.source.publisher or None

    def item_categories(self, item: CaseReport) -> list[str]:
        return [category.name for category in item.categories.all()]
