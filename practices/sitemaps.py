"""/sitemap.xml (django.contrib.sitemaps): every public page, never a draft.

Each page is listed in both languages (Chinese at the root, English under
/en/), with hreflang alternates and an x-default. /sitemap.xml is an index of
one file per section (/sitemap-practices.xml …), each split in pages of
LIMIT addresses (?p=2 …): the real catalogue fits in one page per section, a
100k one lists 200,000 practice addresses.

Django's translated sitemaps build the list of every (record, language) pair
before slicing one page out of it, and date the index by calling ``lastmod``
on every record: at 100k the index took 8.6 s and a page up to 5.4 s. Here a
section's pairs are counted and read one page at a time (``LanguagePairs``),
and the index's date is one query (``latest_update``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import CaseReport, Category, Practice
from .selectors.places import city_index, province_index

# Addresses per sitemap file: the protocol's 50,000 would take a crawler's request ~10 s at 100k.
LIMIT = 10_000


class LanguagePairs(Sequence):
    """(record, language) for every record of ``items`` and every language, read one slice at a time."""

    def __init__(self, items: QuerySet, languages: list[str]):
        self.items = items
        self.languages = list(languages)
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            self._length = self.items.count() * len(self.languages)
        return self._length

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        start, stop, _step = index.indices(len(self))
        per_item = len(self.languages)
        first = start // per_item
        records = self.items[first:-(-stop // per_item)] if stop > start else []
        pairs = [(record, code) for record in records for code in self.languages]
        return pairs[start - first * per_item:][:max(stop - start, 0)]


class Sitemap(DjangoSitemap):
    """Every URL in each language, with its alternates (``<xhtml:link rel="alternate" hreflang>``)."""

    i18n = True
    alternates = True
    x_default = True
    limit = LIMIT

    def _items(self):
        # Django's hook that pairs records with languages (every record in every language here:
        # get_languages_for_item is not overridden), made lazy for querysets.
        items = self.items()
        if isinstance(items, QuerySet):
            return LanguagePairs(items, self.get_languages_for_item(None))
        return super()._items()


# The pages of lists and indexes, by URL name.
LIST_PAGES = (
    "practices:home",
    "practices:practice-list",
    "practices:metric-list",
    "practices:case-report-list",
    "practices:category-index",
    "practices:city-index",
    "practices:province-index",
    "practices:about",
)


def latest_update(items: QuerySet):
    """The newest ``updated`` of ``items``, by one indexed query."""
    return items.order_by("-updated").values_list("updated", flat=True).first()


class ListPagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> tuple[str, ...]:
        return LIST_PAGES

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return 1.0 if item == "practices:home" else 0.8


class PracticeSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self) -> QuerySet[Practice]:
        return Practice.objects.published().only("number", "updated").order_by("number")

    def lastmod(self, item: Practice):
        return item.updated

    def get_latest_lastmod(self):
        # The index's <lastmod>: Django's default calls lastmod() on every item (100k rows, 8 s).
        return latest_update(self.items())


class CaseReportSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self) -> QuerySet[CaseReport]:
        # The URL is the source's slug and the position: the source is joined, its texts left behind.
        return (
            CaseReport.objects.published()
            .select_related("source")
            .only("position", "updated", "source__slug")
            .order_by("source__filename", "position")
        )

    def lastmod(self, item: CaseReport):
        return item.updated

    def get_latest_lastmod(self):
        return latest_update(self.items())


class CategorySitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self) -> QuerySet[Category]:
        return Category.objects.order_by("number")


class CitySitemap(Sitemap):
    """Cities with something to show (a published practice or case report), not the whole gazetteer."""

    changefreq = "monthly"
    priority = 0.5

    def items(self) -> list:
        return city_index()


class ProvinceSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self) -> list:
        return province_index()


SITEMAPS = {
    "pages": ListPagesSitemap,
    "practices": PracticeSitemap,
    "case-reports": CaseReportSitemap,
    "categories": CategorySitemap,
    "cities": CitySitemap,
    "provinces": ProvinceSitemap,
}
