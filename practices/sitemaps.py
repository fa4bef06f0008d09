"""/sitemap.xml (django.contrib.sitemaps): every public page, never a draft.

Each page is listed in both languages (Chinese at the root, English under
/en/), with hreflang alternates and an x-default. /sitemap.xml is an index of
one file per section (/sitemap-practices.xml …), each split in pages of
LIMIT addresses (?p=2 …): the real catalogue fits in one page per section, a
100k one lists 200,000 practice addresses.
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import CaseReport, Category, Practice
from .selectors.places import city_index, province_index

# Addresses per sitemap file: the protocol's 50,000 would take a crawler's request ~10 s at 100k.
LIMIT = 10_000


class Sitemap(DjangoSitemap):
    """Every URL in each language, with its alternates (``<xhtml:link rel="alternate" hreflang>``)."""

    i18n = True
    alternates = True
    x_default = True
    limit = LIMIT


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
