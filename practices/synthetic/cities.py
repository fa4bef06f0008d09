"""The synthetic catalogue's places: gazetteer cities of the mainland, created as rows when missing."""
from __future__ import annotations

from ..importer import places
from ..importer.upsert import fingerprint
from ..models import City, Province
from .sets import BATCH_SIZE

# Provinces, autonomous regions and municipalities of the mainland.
EXCLUDED_PROVINCES = ("台湾省", "香港特别行政区", "澳门特别行政区")
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def gazetteer_cities() -> list[places.Place]:
    """The synthetic catalogue's cities: every prefecture-level 市 of the 31 mainland
    provinces, plus the four municipalities standing as their own city; in adcode order."""
    found: dict[str, places.Place] = {}
    for candidates in places._gazetteer().values():
        for place in candidates:
            if place.province in EXCLUDED_PROVINCES:
                continue
            if place.level == places.LEVEL_PREFECTURE and place.name.endswith("市") and place.name != "市辖区":
                found[place.adcode] = place
            elif place.level == places.LEVEL_PROVINCE and place.name in MUNICIPALITIES:
                found[place.adcode] = places.Place(place.name, place.name, place.name, place.adcode,
                                                   places.LEVEL_PREFECTURE)
    return [found[code] for code in sorted(found)]


class _Places:
    """Provinces and cities of the gazetteer selection as rows, created when missing."""

    def __init__(self) -> None:
        self.cities: list[City] = []
        self.by_province: dict[int, list[City]] = {}
        self.provinces: list[Province] = []
        self.created_cities: list[list[str]] = []
        self.created_provinces: list[str] = []
        self.order: list[int] = []  # a seeded permutation of the cities' indices

    def ensure(self) -> None:
        chosen = gazetteer_cities()
        province_names = sorted({p.province for p in chosen}, key=lambda n: places.locate_province(n).adcode)
        existing = {p.name: p for p in Province.objects.filter(name__in=province_names)}
        missing = []
        for name in province_names:
            if name not in existing:
                place = places.locate_province(name)
                values = {"slug": places.province_slug(name), "pinyin": places.province_pinyin(name),
                          "adcode": place.adcode}
                missing.append(Province(name=name, **values, load_fingerprint=fingerprint(values)))
        Province.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        self.created_provinces = [p.name for p in missing]
        by_name = {p.name: p for p in Province.objects.filter(name__in=province_names)}
        self.provinces = [by_name[name] for name in province_names]
        have = {(c.name, c.province_id): c for c in City.objects.filter(province__in=self.provinces)}
        new = []
        for place in chosen:
            province = by_name[place.province]
            if (place.name, province.pk) in have:
                continue
            values = {"slug": places.city_slug(place.name, place.province), "pinyin": places.city_pinyin(place.name),
                      "adcode": place.adcode, "level": City.Level.PREFECTURE}
            new.append(City(name=place.name, province=province, **values, load_fingerprint=fingerprint(values)))
        City.objects.bulk_create(new, batch_size=BATCH_SIZE)
        self.created_cities = [[c.name, c.province.name] for c in new]
        have = {(c.name, c.province_id): c for c in City.objects.filter(province__in=self.provinces)}
        self.cities = [have[(place.name, by_name[place.province].pk)] for place in chosen]
        for city in self.cities:
            self.by_province.setdefault(city.province_id, []).append(city)
