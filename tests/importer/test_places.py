"""places.py: gazetteer lookups and stable pinyin slugs (no database)."""
import subprocess
import sys

import pytest

from practices.importer import places


@pytest.mark.parametrize(
    ("city", "province", "slug"),
    [
        ("青岛市", "山东省", "qingdao"),
        ("江阴市", "江苏省", "jiangyin"),
        ("佛山市", "广东省", "foshan"),
        ("成都市", "四川省", "chengdu"),
        ("温州市", "浙江省", "wenzhou"),
        ("台州市", "浙江省", "taizhou-zhejiang"),
        ("泉州市", "福建省", "quanzhou"),
        ("常州市", "江苏省", "changzhou"),
        ("泰州市", "江苏省", "taizhou-jiangsu"),
        ("深圳市", "广东省", "shenzhen"),
        ("驻马店市", "河南省", "zhumadian"),
        ("厦门市", "福建省", "xiamen"),
    ],
)
def test_the_gazetteer_gives_each_city_its_province_and_a_stable_slug(city, province, slug):
    place = places.locate_city(city)
    assert place.province == province
    assert places.city_slug(city, province) == slug


def test_homophone_cities_get_distinct_slugs_whatever_else_is_loaded():
    # Both collide nationally, so both are disambiguated, in any order.
    assert places.city_slug("台州市", "浙江省") != places.city_slug("泰州市", "江苏省")
    assert places.city_slug("泰州市", "江苏省") == places.city_slug("泰州市", "江苏省")


def test_a_county_level_city_knows_its_prefecture():
    jiangyin = places.locate_city("江阴")
    assert (jiangyin.name, jiangyin.prefecture, jiangyin.level) == ("江阴市", "无锡市", places.LEVEL_COUNTY)


@pytest.mark.parametrize(
    ("name", "slug"),
    [("浙江省", "zhejiang"), ("浙江", "zhejiang"), ("山西省", "shanxi"), ("陕西省", "shaanxi"),
     ("黑龙江省", "heilongjiang"), ("广西壮族自治区", "guangxi")],
)
def test_province_slugs(name, slug):
    assert places.province_slug(name) == slug


@pytest.mark.parametrize("name", ["火星市", "", "不存在省"])
def test_unknown_places_raise_a_named_error(name):
    with pytest.raises(places.UnknownPlaceError, match="unknown"):
        places.locate_city(name) if not name.endswith("省") else places.locate_province(name)


def test_find_places_reports_written_mentions_in_order():
    found = places.find_places("深圳市政协调研，驻马店市和黑龙江省的做法，厦门、江阴市也有。")
    assert [p.name for p in found] == ["深圳市", "驻马店市", "黑龙江省", "厦门市", "江阴市"]
    assert found[1].province == "河南省"


def test_places_imports_no_django():
    code = "import sys, practices.importer.places; print(any(m.startswith('django') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("与中国信保山西分公司联合", "保山市"),   # 保山 straddles two words
        ("加强合作，深化交流", "合作市"),           # 合作 is an ordinary word
        ("发挥灯塔作用", "灯塔市"),
        ("县、乡两级商会", "县"),                  # a placeholder division, not a place
    ],
)
def test_ordinary_words_are_not_places(text, unwanted):
    assert unwanted not in [p.name for p in places.find_places(text)]


def test_a_county_level_city_written_in_full_is_found():
    assert "合作市" in [p.name for p in places.find_places("甘肃省合作市工商联")]


# The 福建 report (004 #3): 泉州/莆田 visited, 福州 where the reported firm
# works; 宁德/龙岩 (福建) and 宜宾 (四川) only where its charging stations are used.
FUJIAN = "福州台江金融街的超充站已同步至宁德、龙岩以及上海、宜宾等城市落地使用。调研组走进莆田市、泉州市等地。"


def test_report_cities_rule_keeps_only_the_reports_own_province():
    found = [p.name for p in places.report_cities(FUJIAN, province="福建省")]
    assert "宜宾市" not in found and "上海市" not in found
    assert {"福州市", "莆田市", "泉州市"} <= set(found)


def test_reviewed_cities_resolve_in_the_reports_province_in_order():
    found = places.reviewed_cities(["莆田", "泉州市", "福州市"], province="福建省", text=FUJIAN)
    assert [(p.name, p.province) for p in found] == [("莆田市", "福建省"), ("泉州市", "福建省"), ("福州市", "福建省")]


@pytest.mark.parametrize(
    ("names", "fragment"),
    [
        (["宜宾市"], "unknown city: '宜宾市' in 福建省"),
        (["厦门市"], "not written"),
        (["火星市"], "unknown city"),
        (["泉州市", "泉州市"], "listed twice"),
    ],
)
def test_reviewed_cities_reject_what_the_report_is_not_about(names, fragment):
    with pytest.raises(places.UnknownPlaceError, match=fragment):
        places.reviewed_cities(names, province="福建省", text=FUJIAN)
