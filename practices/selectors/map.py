"""Counts for the map of China (practices.maps draws them): the index pages' counts (selectors.places)."""

from __future__ import annotations

import json
from functools import lru_cache

from django.urls import reverse

from ..maps import POSITIONS_PATH, CityCount, ProvinceCount
from .lookups import place_label
from .places import city_index, place_counts, province_index


@lru_cache(maxsize=1)
def _gazetteer_positions() -> dict[str, tuple[float, float]]:
    """6-digit adcode → (longitude, latitude), from the committed copy of cpca's table (not cpca: 29 MiB a worker)."""
    return {code: (lon, lat) for code, (lon, lat) in json.loads(POSITIONS_PATH.read_text(encoding="utf-8")).items()}


def city_position(adcode: str) -> tuple[float, float] | None:
    """Where the gazetteer puts a city (its seat), or None for an adcode it does not know."""
    return _gazetteer_positions().get(adcode) if adcode else None


def map_counts() -> tuple[list[ProvinceCount], list[CityCount]]:
    """Provinces and cities holding anything published, with their published counts (``place_counts``).

    Drafts and withdrawn records count nowhere. A city the gazetteer cannot
    place gets no position (the map skips it; the table lists it).
    """
    counts = place_counts()
    provinces = province_index(counts=counts)
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
    cities = city_index(counts=counts)
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
