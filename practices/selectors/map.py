"""Counts for the map of China (practices.maps draws them). Two queries."""

from __future__ import annotations

from functools import lru_cache

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from ..maps import CityCount, ProvinceCount
from ..models import CaseReport, City, PracticeEntry, Province, Status
from .lookups import place_label


@lru_cache(maxsize=1)
def _gazetteer_positions() -> dict[str, tuple[float, float]]:
    """6-digit adcode → (longitude, latitude) from cpca, the gazetteer the importer already uses."""
    import cpca

    return {
        code[:6]: (float(info.longitude), float(info.latitude))
        for code, info in cpca.ad_2_addr_dict.items()
        if info.longitude and info.latitude
    }


def city_position(adcode: str) -> tuple[float, float] | None:
    """Where the gazetteer puts a city (its seat), or None for an adcode it does not know."""
    return _gazetteer_positions().get(adcode) if adcode else None


def _distinct_count(queryset: QuerySet, group: str, field: str) -> Coalesce:
    """COUNT(DISTINCT field) of ``queryset`` (filtered on OuterRef) grouped by ``group``, as a subquery:
    two one-to-many relations counted side by side without multiplying each other's rows."""
    return Coalesce(
        Subquery(queryset.order_by().values(group).annotate(n=Count(field, distinct=True)).values("n")[:1]), 0
    )


def map_counts() -> tuple[list[ProvinceCount], list[CityCount]]:
    """Provinces and cities holding anything published, with their published counts. Two queries.

    A province counts the distinct published practices reported by any of its cities plus the
    published case reports set in it; a city counts the distinct published practices it reported
    and the published case reports that mention it. Drafts and withdrawn records count nowhere.
    A city the gazetteer cannot place gets no position (the map skips it; the table lists it).
    """
    entries = PracticeEntry.objects.filter(practice__status=Status.PUBLISHED)
    provinces = (
        Province.objects.annotate(
            practice_count=_distinct_count(entries.filter(city__province=OuterRef("pk")), "city__province", "practice"),
            case_report_count=_distinct_count(
                CaseReport.objects.filter(province=OuterRef("pk"), status=Status.PUBLISHED), "province", "pk"
            ),
        )
        .filter(Q(practice_count__gt=0) | Q(case_report_count__gt=0))
        .order_by("adcode", "name")
    )
    province_rows = [
        ProvinceCount(
            adcode=p.adcode,
            name=p.name,
            label=place_label(p),
            url=reverse("practices:province-detail", kwargs={"slug": p.slug}),
            practice_count=p.practice_count,
            case_report_count=p.case_report_count,
        )
        for p in provinces
    ]
    mentions = CaseReport.cities.through.objects.filter(city=OuterRef("pk"), casereport__status=Status.PUBLISHED)
    cities = (
        City.objects.select_related("province")
        .annotate(
            practice_count=_distinct_count(entries.filter(city=OuterRef("pk")), "city", "practice"),
            case_report_count=_distinct_count(mentions, "city", "casereport"),
        )
        .filter(Q(practice_count__gt=0) | Q(case_report_count__gt=0))
        .order_by("province__adcode", "adcode", "name")
    )
    city_rows = [
        CityCount(
            name=city.name,
            label=place_label(city),
            province_label=place_label(city.province),
            url=reverse("practices:city-detail", kwargs={"slug": city.slug}),
            practice_count=city.practice_count,
            case_report_count=city.case_report_count,
            position=city_position(city.adcode),
        )
        for city in cities
    ]
    return province_rows, city_rows
