"""Provinces and cities from a maintained gazetteer, with stable pinyin slugs.

The gazetteer is cpca's national table of administrative divisions (adcodes),
so every city gets its province from data rather than a hand-written table.
Slugs come from pypinyin.

Slug stability: a slug must not depend on which cities happen to be loaded,
or a city's URL would change the day a homophone arrives. So collisions are
judged against the whole national gazetteer, not the database: 台州 and 泰州
are both "taizhou" nationally, so both always get their province appended
("taizhou-zhejiang", "taizhou-jiangsu"), while 青岛 stays "qingdao".

No Django here: the parsers and the loader share this module.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

LEVEL_PROVINCE = "province"
LEVEL_PREFECTURE = "prefecture"
LEVEL_COUNTY = "county"

# The longest suffix first, so that 广西壮族自治区 loses all of it.
_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
_CITY_SUFFIX = re.compile(r"(市|地区|盟)$")

# Official romanisations that plain pinyin cannot produce: 陕西 and 山西 are
# both "shanxi" in pinyin; the state standard spells 陕西 "Shaanxi".
_PROVINCE_SLUG_OVERRIDES = {"陕西省": "shaanxi"}


class UnknownPlaceError(LookupError):
    """A place name the gazetteer does not know; str() names it."""


@dataclass(frozen=True)
class Place:
    """One administrative division.

    ``name`` is the full name (江阴市); ``province`` the full province name
    (江苏省); ``prefecture`` the prefecture-level parent (无锡市) for a county,
    the city itself for a prefecture, "" for a province.
    """

    name: str
    province: str
    prefecture: str
    adcode: str
    level: str


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, list[Place]]:
    """Map every full name to its Places (names repeat across provinces)."""
    import cpca

    by_code = {code[:6]: info for code, info in cpca.ad_2_addr_dict.items()}
    places: dict[str, list[Place]] = {}
    for code, info in sorted(by_code.items()):
        province = by_code.get(code[:2] + "0000")
        if province is None:
            continue
        if info.rank == info.RANK_PROVINCE:
            place = Place(info.name, info.name, "", code, LEVEL_PROVINCE)
        elif info.rank == info.RANK_CITY:
            place = Place(info.name, province.name, info.name, code, LEVEL_PREFECTURE)
        else:
            parent = by_code.get(code[:4] + "00")
            prefecture = parent.name if parent is not None and parent.name != "市辖区" else ""
            place = Place(info.name, province.name, prefecture, code, LEVEL_COUNTY)
        places.setdefault(info.name, []).append(place)
    return places


def gazetteer_positions() -> dict[str, list[float]]:
    """6-digit adcode → [longitude, latitude] of every division the gazetteer places (its seat).

    The map reads a committed copy (practices/data/city-positions.json, written
    by ``manage.py build_positions``): importing cpca costs a web worker 29 MiB.
    """
    import cpca

    return {code[:6]: [float(info.longitude), float(info.latitude)]
            for code, info in sorted(cpca.ad_2_addr_dict.items()) if info.longitude and info.latitude}


def _is_city(place: Place) -> bool:
    """Cities are prefecture-level divisions and county-level cities (江阴市)."""
    if place.level == LEVEL_PREFECTURE:
        return place.name != "市辖区"
    return place.level == LEVEL_COUNTY and place.name.endswith("市")


def locate_province(name: str) -> Place:
    """Return the province whose full or short name is ``name`` (浙江 or 浙江省)."""
    for place in _provinces():
        if name in (place.name, _PROVINCE_SUFFIX.sub("", place.name)):
            return place
    raise UnknownPlaceError(f"unknown province: {name!r}")


@lru_cache(maxsize=1)
def _provinces() -> tuple[Place, ...]:
    return tuple(
        place
        for candidates in _gazetteer().values()
        for place in candidates
        if place.level == LEVEL_PROVINCE
    )


def locate_city(name: str, *, province: str | None = None) -> Place:
    """Return the city called ``name`` (台州 or 台州市), optionally within ``province``.

    Raises UnknownPlaceError when the name is unknown or ambiguous without a
    province (e.g. a name used in two provinces).
    """
    full = name if _CITY_SUFFIX.search(name) else name + "市"
    candidates = [p for p in _gazetteer().get(full, []) if _is_city(p)]
    if province is not None:
        wanted = locate_province(province).name
        candidates = [p for p in candidates if p.province == wanted]
    if not candidates:
        where = f" in {province}" if province else ""
        raise UnknownPlaceError(f"unknown city: {name!r}{where}")
    if len(candidates) > 1:
        raise UnknownPlaceError(f"ambiguous city: {name!r} is in {[p.province for p in candidates]}")
    return candidates[0]


def province_slug(name: str) -> str:
    """Pinyin slug of a province: 浙江省 → zhejiang, 陕西省 → shaanxi."""
    full = locate_province(name).name
    return _PROVINCE_SLUG_OVERRIDES.get(full) or _pinyin(_PROVINCE_SUFFIX.sub("", full))


@lru_cache(maxsize=1)
def _city_slug_counts() -> Counter[str]:
    return Counter(
        _pinyin(_CITY_SUFFIX.sub("", p.name))
        for candidates in _gazetteer().values()
        for p in candidates
        if _is_city(p)
    )


def city_slug(name: str, province: str) -> str:
    """Stable pinyin slug of a city, unique nationally.

    台州市 (浙江省) → taizhou-zhejiang; 泰州市 (江苏省) → taizhou-jiangsu;
    青岛市 → qingdao. See the module docstring for why collisions are judged
    nationally.
    """
    base = _pinyin(_CITY_SUFFIX.sub("", name))
    if _city_slug_counts()[base] > 1:
        return f"{base}-{province_slug(province)}"
    return base


def city_pinyin(name: str) -> str:
    """Display pinyin of a city for the English UI: 台州市 → Taizhou."""
    return _pinyin(_CITY_SUFFIX.sub("", name)).capitalize()


def province_pinyin(name: str) -> str:
    """Display pinyin of a province for the English UI: 陕西省 → Shaanxi."""
    return province_slug(name).capitalize()


def find_places(text: str) -> list[Place]:
    """Cities and provinces mentioned in ``text``, deduplicated, in order of first mention.

    Returns Places of level province, prefecture or county (county-level
    cities only, such as 江阴市; districts are not cities).
    """
    import cpca

    try:
        frame = cpca.transform_text_with_addrs(text, pos_sensitive=True)
    except KeyError:
        # cpca builds an empty DataFrame without columns when the text names
        # no place at all, then fails selecting them (found by fuzzing).
        return []
    boundaries = _word_boundaries(text)
    found: list[tuple[int, Place]] = []
    seen: set[str] = set()
    for row in frame.to_dict("records"):
        for column, pos_column in (("省", "省_pos"), ("市", "市_pos"), ("区", "区_pos")):
            name, pos = row.get(column), row.get(pos_column, -1)
            if not isinstance(name, str) or not name or name == "市辖区":
                continue
            # Only names actually written in the text count as mentions; cpca
            # also fills in the parents it infers.
            if pos is None or pos < 0:
                continue
            place = _match(name, row.get("省"))
            if place is None or not _written_as_a_word(text, int(pos), place, boundaries):
                continue
            if place.adcode not in seen:
                seen.add(place.adcode)
                found.append((int(pos), place))
    found.sort(key=lambda item: item[0])
    return [place for _, place in found]


def _match(name: str, province: object) -> Place | None:
    candidates = _gazetteer().get(name, [])
    if isinstance(province, str):
        candidates = [p for p in candidates if p.province == province] or candidates
    for place in candidates:
        if place.level == LEVEL_PROVINCE or _is_city(place):
            return place
    return None


def _word_boundaries(text: str) -> set[int]:
    """Offsets where jieba starts or ends a word in ``text``."""
    from .segmentation import cut

    edges, offset = {0}, 0
    for word in cut(text):
        offset += len(word)
        edges.add(offset)
    return edges


def _written_as_a_word(text: str, pos: int, place: Place, boundaries: set[int]) -> bool:
    """Reject gazetteer hits that are really parts of ordinary words.

    cpca matches short names anywhere: 合作 (合作市, Gansu) in 合作, 灯塔 in
    灯塔, 保山 in 信保山西. A full name (合作市) written out is always a
    mention; a short name counts only for provinces and prefecture-level
    cities of two or more characters that jieba segments as a word of their
    own.
    """
    if len(place.name) < 2:  # the gazetteer's placeholder divisions, e.g. 县 under 重庆市
        return False
    if text.startswith(place.name, pos):
        return True
    short = _PROVINCE_SUFFIX.sub("", place.name) if place.level == LEVEL_PROVINCE else _CITY_SUFFIX.sub("", place.name)
    if place.level == LEVEL_COUNTY or len(short) < 2 or not text.startswith(short, pos):
        return False
    return pos in boundaries and pos + len(short) in boundaries


def reviewed_cities(names: list[str], *, province: str, text: str) -> tuple[Place, ...]:
    """Resolve a reviewed list of the cities a report is about.

    Each name must be a city of ``province`` (the report's province: work in
    another province would need its own report) and must be written in
    ``text``, in full (宁波市) or short (宁波), so a review cannot invent a
    place. Returns the Places in the given order; raises UnknownPlaceError
    naming the first offending name.
    """
    found: list[Place] = []
    for name in names:
        place = locate_city(name, province=province)
        if place.name not in text and _CITY_SUFFIX.sub("", place.name) not in text:
            raise UnknownPlaceError(f"city {name!r} is not written in the report")
        if place in found:
            raise UnknownPlaceError(f"city {name!r} is listed twice")
        found.append(place)
    return tuple(found)


def report_cities(text: str, *, province: str) -> tuple[Place, ...]:
    """The rule for reports without a reviewed city list: the cities of the
    report's own province written in ``text``.

    Cities of other provinces are dropped: in these reports they are markets,
    sites or remote bodies (宜宾 in a list of where a firm's products are used),
    not places of the reported work.
    """
    wanted = locate_province(province).name
    return tuple(p for p in find_places(text) if p.level != LEVEL_PROVINCE and p.province == wanted)
