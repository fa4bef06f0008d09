"""``{% china_map %}``: the province → city map of China, as inline SVG with a table fallback.

Usage: ``{% load maps %}…{% china_map %}``; give ``map_id="…"`` when a page shows it twice (the
SVG's ids must be unique). The page also needs ``{% static 'practices/map.css' %}`` linked.
The counts of the index pages (selectors.map.map_counts, cached per revision), no script.
"""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from ..maps import build_map, load_geometry
from ..selectors.map import map_counts

register = template.Library()


@register.inclusion_tag("practices/map/china_map.html")
def china_map(map_id: str = "china-map") -> dict:
    provinces, cities = map_counts()
    china = build_map(
        geometry=load_geometry(), provinces=provinces, cities=cities, english=(get_language() or "").startswith("en")
    )
    return {
        "map": china,
        "map_id": map_id,
        "province_rows": provinces,
        "city_rows": cities,
        "reporting_cities": sum(1 for city in cities if city.practice_count),
    }
