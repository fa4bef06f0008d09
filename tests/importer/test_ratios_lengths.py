"""Ratios (kind ratio) and lengths (kind length) in practices.importer.metrics; issue 13 point 3.

Pure Python: no database, no Django.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from practices.importer.metrics import ExtractedMetric, extract_metrics  # noqa: E402
from practices.importer.parsing import parse_practices_file  # noqa: E402
from practices.importer.reports import parse_report_file  # noqa: E402

SOURCES = ROOT / "fixtures" / "sources"
MANIFESTS = ROOT / "fixtures" / "manifests"
REPORTS = ("000_8012fb836a8dc870", "001_89178abc7061ee5b", "002_8e4d4544b0229087", "004_5920e912d40b6210")


def ratio(text: str) -> ExtractedMetric:
    found = [m for m in extract_metrics(text) if m.kind == "ratio"]
    assert len(found) == 1, f"{text!r}: {[m.raw for m in extract_metrics(text)]}"
    return found[0]


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit", "normalized", "normalized_unit"),
    [
        ("市县两级财政与12家地方法人银行按1：1出资，", "1：1", "1", ":1", "1", ":1"),
        ("市、区两级按实到资金1:1配套支持，", "1:1", "1", ":1", "1", ":1"),
        ("按1∶1比例配套。", "1∶1", "1", ":1", "1", ":1"),
        ("按照1比1的比例配套。", "1比1", "1", ":1", "1", ":1"),
        ("由保险、担保、银行三方以6：2：2比例分担风险", "6：2：2", "6", ":2:2", "3", ":1:1"),
        ("三方以7:2:1的比例分担。", "7:2:1", "7", ":2:1", "7", ":2:1"),
        ("按2 : 1配套。", "2 : 1", "2", ":1", "2", ":1"),
        ("按1:3配套。", "1:3", "1", ":3", "0.3333", ":1"),
        ("按2:3配套。", "2:3", "2", ":3", "0.6667", ":1"),
        ("按1:2:3分担。", "1:2:3", "1", ":2:3", "0.3333", ":0.6667:1"),
        ("按0.5:1配套。", "0.5:1", "0.5", ":1", "0.5", ":1"),
        ("放大比例为1:10。", "1:10", "1", ":10", "0.1", ":1"),
        ("按1:10的比例放大。", "1:10", "1", ":10", "0.1", ":1"),
        ("按1:20放大。", "1:20", "1", ":20", "0.05", ":1"),
        ("风险按4:6分担。", "4:6", "4", ":6", "0.6667", ":1"),
        ("放大30:1。", "30:1", "30", ":1", "30", ":1"),
        # Chinese numerals, with a cue (按/以 before, 比例 in the clause, 配套/分担 after)
        ("按照一比一的比例配套。", "一比一", "1", ":1", "1", ":1"),
        ("市区两级一比一配套。", "一比一", "1", ":1", "1", ":1"),
        ("由三方按三比二比一分担风险。", "三比二比一", "3", ":2:1", "3", ":2:1"),
        ("以二比三出资。", "二比三", "2", ":3", "0.6667", ":1"),
        ("按十比一放大。", "十比一", "10", ":1", "10", ":1"),
    ],
)
def test_ratios(text, raw, value, unit, normalized, normalized_unit):
    metric = ratio(text)
    assert (metric.raw, metric.value, metric.high, metric.unit, metric.normalized_value, metric.normalized_unit) == (
        raw,
        Decimal(value),
        None,
        unit,
        Decimal(normalized),
        normalized_unit,
    )
    assert text[metric.start : metric.end] == raw
    assert isinstance(metric.value, Decimal) and isinstance(metric.normalized_value, Decimal)
    # The Metric field keeps 4 decimal places: a longer normalized value could not be saved.
    assert metric.normalized_value.as_tuple().exponent >= -4


def test_ratio_terms_are_not_extracted_as_other_figures():
    metrics = extract_metrics("市县两级财政与12家地方法人银行按1：1出资，")
    assert [(m.raw, m.kind) for m in metrics] == [("12家", "count"), ("1：1", "ratio")]


def test_a_ratio_takes_qualifiers_like_other_figures():
    metric = ratio("杠杆比例约1:10左右。")
    assert metric.qualifier == "约,左右"


@pytest.mark.parametrize(
    "text",
    [
        "每天8:30至17:30办公",  # clock times
        "上午9:00开始受理",
        "于08:30:00准时开放",
        "23:59前提交",
        "比赛以3:1战胜对手",  # a score
        "最终比分2:1",
        "通过ISO 9001:2015认证",  # a version after Latin letters
        "目标1：10万户",  # a colon after a label: the figure takes a unit
        "指标2：30%",
        "按“1:1”模式",  # inside a short quotation: a name
        "《1:1配套办法》",
        "按1:0分担",  # a term of 0
        "1:05开始",  # a leading zero
        "版本1.2.3:4",  # glued to a decimal point
        "编号12:34:56:78:90",  # more than 4 terms
        "这一比一般的好",  # Chinese numerals without a ratio cue: 一般, not 一比一
        "甲队以三比二战胜乙队",  # a score in Chinese numerals
        "二比一",
        "第一比二",
    ],
)
def test_not_a_ratio(text):
    assert [m for m in extract_metrics(text) if m.kind == "ratio"] == [], [m.raw for m in extract_metrics(text)]


def test_a_clock_like_ratio_counts_when_the_clause_says_ratio():
    assert ratio("按1:10的比例配套").normalized_value == Decimal("0.1")
    assert [m.raw for m in extract_metrics("放款时间为1:10")] == []


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit", "normalized", "normalized_unit", "qualifier"),
    [
        ("“充电8分钟，续航200公里。”", "200公里", "200", "公里", "200", "公里", ""),
        ("新建道路12.5公里。", "12.5公里", "12.5", "公里", "12.5", "公里", ""),
        ("全长5千米。", "5千米", "5", "千米", "5", "公里", ""),
        ("铺设管网1.2万米。", "1.2万米", "1.2", "万米", "12000", "米", ""),
        ("建成绿道300余米。", "300余米", "300", "米", "300", "米", "余"),
        ("新建三公里绿道。", "三公里", "3", "公里", "3", "公里", ""),
        ("辐射半径约50公里。", "50公里", "50", "公里", "50", "公里", "约"),
    ],
)
def test_lengths(text, raw, value, unit, normalized, normalized_unit, qualifier):
    metric = [m for m in extract_metrics(text) if m.kind == "length"][-1]
    assert (
        metric.raw,
        metric.value,
        metric.unit,
        metric.normalized_value,
        metric.normalized_unit,
        metric.qualifier,
    ) == (raw, Decimal(value), unit, Decimal(normalized), normalized_unit, qualifier)


@pytest.mark.parametrize("text", ["打通政策落实的“最后一公里”", "总面积4万多平方米", "吃3米粉", "建成百米长廊"])
def test_not_a_length(text):
    assert [m for m in extract_metrics(text) if m.kind == "length"] == [], [m.raw for m in extract_metrics(text)]


# --- the whole corpus ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> list[ExtractedMetric]:
    catalogue = parse_practices_file(SOURCES / "003_0afe494a00c202ac.txt")
    texts = [entry.text for practice in catalogue.practices for entry in practice.entries]
    for stem in REPORTS:
        document = parse_report_file(SOURCES / f"{stem}.txt", MANIFESTS / f"{stem}.toml")
        texts += [article.body for article in document.articles]
    return [metric for text in texts for metric in extract_metrics(text)]


def test_no_unit_in_the_corpus_keeps_a_qualifier_word(corpus):
    assert [m.raw for m in corpus if set(m.unit) & set("多余近约")] == []


def test_the_corpus_ratios_and_lengths(corpus):
    assert sorted((m.raw, m.normalized_value, m.normalized_unit) for m in corpus if m.kind == "ratio") == [
        ("1:1", Decimal(1), ":1"),
        ("1：1", Decimal(1), ":1"),
        ("6：2：2", Decimal(3), ":1:1"),
        ("7:2:1", Decimal(7), ":2:1"),
    ]
    assert [(m.raw, m.normalized_unit) for m in corpus if m.kind == "length"] == [("200公里", "公里")]
