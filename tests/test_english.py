"""English that is English: category names, units, qualifiers, as-of dates, lang attributes (issue 14, item 7)."""
from __future__ import annotations

import re

import pytest
from django.utils import translation

from practices.models import Category
from practices.templatetags.english import as_of_english, qualifier_english, unit_english

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("text", "english"), [
    ("截至2021年7月", "as of July 2021"),
    ("截至2021年6月底", "as of the end of June 2021"),
    ("截至2021 年 6 月末", "as of the end of June 2021"),
    ("2021年1-8月", "January–August 2021"),
    ("2021年1月5号", "5 January 2021"),
    ("2021年上半年", "first half of 2021"),
    ("自2018年以来", "since 2018"),
    ("2020年", "2020"),
    ("截至目前", "to date"),
    ("截至4月30日", "as of 30 April"),
    ("2018-2020年", "2018–2020"),
])
def test_as_of_dates_in_english(text, english):
    assert as_of_english(text) == (english, True)


def test_an_unknown_as_of_phrase_stays_chinese():
    assert as_of_english("某个时候") == ("某个时候", False)


@pytest.mark.parametrize(("qualifier", "english"), [
    ("多", "over"), ("余", "more than"), ("约", "about"), ("近", "nearly"), ("突破", "over"), ("以上", "or more"),
    ("约,余", "about, more than"),
])
def test_qualifiers_in_english(qualifier, english):
    assert qualifier_english(qualifier) == (english, True)


def test_units_of_measure_translate_and_measure_words_stay_in_parentheses():
    assert unit_english("元") == ("yuan", True)
    assert unit_english("人次") == ("person-times", True)
    assert unit_english("%") == ("%", True)
    assert unit_english("家") == ("(家)", False)


def test_every_loaded_qualifier_and_almost_every_as_of_phrase_has_english(catalogue):
    from practices.models import Metric

    qualifiers = set(Metric.objects.exclude(qualifier="").values_list("qualifier", flat=True))
    assert all(qualifier_english(q)[1] for q in qualifiers)
    phrases = set(Metric.objects.exclude(as_of="").values_list("as_of", flat=True))
    untranslated = [p for p in phrases if not as_of_english(p)[1]]
    assert len(untranslated) <= 2, untranslated


def test_categories_have_curated_english_names(catalogue):
    names = dict(Category.objects.values_list("number", "name_en"))
    assert len(names) == 7 and all(names.values())
    category = Category.objects.get(number=2)
    with translation.override("en"):
        assert category.display_name() == "Easing private enterprises' financing difficulties"
    with translation.override("zh-hans"):
        assert category.display_name() == "破解民营企业融资难题"


def test_english_detail_page_is_english_and_marks_chinese(client, catalogue):
    html = client.get("/en/practices/23/").content.decode()
    assert '<html lang="en"' in html
    assert "2. Easing private enterprises&#x27; financing difficulties" in html
    assert "as of July 2021" in html and "截至2021年7月" not in html.split("<table", 1)[1].split("</table>")[0]
    assert re.search(r"\d yuan<", html)
    assert "44 <span lang=\"zh-Hans\">(家)</span>" in html
    assert '<h1><span class="number">23.</span> <span lang="zh-Hans">建设数字金融服务平台</span></h1>' in html
    assert 'class="entry-text" lang="zh-Hans"' in html
    # Half-width punctuation around the English words of the navigation.
    assert "Previous：" not in html and "Next：" not in html


def test_chinese_pages_are_unchanged(client, catalogue):
    html = client.get("/practices/23/").content.decode()
    assert 'lang="zh-Hans"' not in html.split("<body", 1)[1].replace('<html lang="zh-Hans"', "").split("</header>", 1)[1]
    assert "破解民营企业融资难题" in html and "截至2021年7月" in html


def test_english_category_pages_use_the_english_name(client, catalogue):
    category = Category.objects.get(number=2)
    html = client.get(f"/en/categories/{category.slug}/").content.decode()
    assert "<h1>Easing private enterprises&#x27; financing difficulties</h1>" in html
    assert '<p class="subtitle" lang="zh-Hans">破解民营企业融资难题</p>' in html
    index = client.get("/en/categories/").content.decode()
    assert "Easing private enterprises&#x27; financing difficulties" in index
    assert "Easing private enterprises&#x27; financing difficulties" in client.get("/en/").content.decode()
