"""practices.importer.search_text: segmenting documents and queries for the full-text search.

Pure: no Django, no database (runs under ``pytest -p no:django``).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from practices.importer.search_text import (
    DOMAIN_WORDS,
    MAX_TERMS,
    fts5_query,
    highlight_spans,
    query_terms,
    search_document,
    search_words,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("q", "terms"), [
    ("融资", ["融资"]),                                   # a two-character word
    ("无还本续贷", ["还本", "续贷", "无还本续贷"]),          # a domain word jieba alone splits into characters
    ("知识产权", ["知识", "产权", "知识产权"]),              # search mode: the word and its inner words
    ("B2B", ["b2b"]),                                    # Latin: lower-cased, kept whole
    ("ＡＰＰ", ["app"]),                                  # full-width: NFKC-normalised
    ("台州  融资，担保", ["台州", "融资", "担保"]),          # whitespace and punctuation separate words
    ("的", ["的"]),                                       # a single character alone is kept
    ("  ，。！？、 ", []),                                  # punctuation only: no terms
    ("<script>alert(1)</script>", ["script", "alert"]),  # markup is just words; single "1" dropped
    ("融资" * 40, ["融资"]),                               # repeated words once
])
def test_query_terms(q, terms):
    assert query_terms(q) == terms


def test_query_terms_are_capped():
    assert len(query_terms("融资 担保 转贷 续贷 企业 政府 服务 平台 金融 科技 创新")) == MAX_TERMS


@pytest.mark.parametrize(("text", "expected"), [
    ("推行无还本续贷", {"推行", "无还本续贷", "还本", "续贷", "无", "还", "本", "续", "贷"}),
    ("知识产权质押融资", {"知识产权", "知识", "产权", "质押", "融资"}),
    ("支持B2B平台、APP开发", {"支持", "b2b", "平台", "app", "开发"}),
    ("，。！", set()),
])
def test_search_document_holds_the_words(text, expected):
    words = search_document(text).split(" ") if search_document(text) else []
    assert expected <= set(words) and (words or not expected)


def test_every_document_word_is_letters_and_digits_in_lower_case():
    text = "破解民营企业“融资难、融资贵”——B2B平台（ＡＰＰ）累计5.02万户，增长12.5%！"
    for word in search_document(text).split(" "):
        assert re.fullmatch(r"[^\W_]+", word), word
        assert word == word.lower()


@pytest.mark.parametrize("word", DOMAIN_WORDS)
@pytest.mark.parametrize(("before", "after"), [("", ""), ("推行", "业务"), ("破解", "难题"), ("中", "了"), ("a", "1")])
def test_a_domain_word_is_found_in_any_context(word, before, after):
    """A query for a domain word matches every text containing it, whatever surrounds it."""
    document = set(search_words(before + word + after))
    assert set(query_terms(word)) <= document


@pytest.mark.parametrize(("q", "text"), [
    ("融资", "金融机构为民营企业融资提供便利"),
    ("知识产权", "推进知识产权质押融资"),
    ("小微", "支持中小微企业发展"),
    ("温州指数", "发布温州指数"),
])
def test_query_and_document_segment_the_same_way(q, text):
    assert set(query_terms(q)) <= set(search_words(text))


def test_segmentation_is_not_a_substring_match():
    # 融资 spans a word boundary in 金融资源 (金融/资源): a word search does not find it.
    assert not set(query_terms("融资")) <= set(search_words("整合金融资源"))


@pytest.mark.parametrize(("terms", "expected"), [
    (["融资"], '"融资"'),
    (["融资", "担保"], '"融资" AND "担保"'),
    (["and", "near"], '"and" AND "near"'),   # never FTS5 operators
    (['a"b'], '"a""b"'),
    ([], ""),
])
def test_fts5_query(terms, expected):
    assert fts5_query(terms) == expected


@pytest.mark.parametrize(("text", "terms", "spans"), [
    ("推行无还本续贷", ["续贷", "无还本续贷"], [(2, 7)]),       # the longest term wins
    ("融资难，融资贵", ["融资"], [(0, 2), (4, 6)]),
    ("Open APP and app", ["app"], [(5, 8), (13, 16)]),       # case-insensitive
    ("没有匹配", ["融资"], []),
    ("", ["融资"], []),
    ("融资", [], []),
])
def test_highlight_spans(text, terms, spans):
    assert highlight_spans(text, terms) == spans


def test_importing_it_loads_no_django():
    code = ("import sys; import practices.importer.search_text as s; s.search_document('融资');"
            "print('django' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
