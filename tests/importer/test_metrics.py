"""Tests for practices.importer.metrics (pure Python: no database, no Django).

Run alone with: .venv/bin/pytest tests/importer/test_metrics.py -p no:django -q
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from practices.importer.labels import MAX_LABEL, MIN_LABEL  # noqa: E402
from practices.importer.metrics import ExtractedMetric, extract_metrics, normalize_unit  # noqa: E402

GOLD = ROOT / "tests" / "data" / "metrics_gold.json"
SOURCES = ROOT / "fixtures" / "sources"
SOURCE_003 = SOURCES / "003_0afe494a00c202ac.txt"


def only(text: str) -> ExtractedMetric:
    metrics = extract_metrics(text)
    assert len(metrics) == 1, f"{text!r}: {[m.raw for m in metrics]}"
    return metrics[0]


def check(text: str, raw: str, normalized_value: str, normalized_unit: str, kind: str) -> ExtractedMetric:
    metric = only(text)
    assert (metric.raw, metric.normalized_value, metric.normalized_unit, metric.kind) == (
        raw,
        Decimal(normalized_value),
        normalized_unit,
        kind,
    )
    assert text[metric.start : metric.end] == raw
    return metric


# --- unit families -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit"),
    [
        ("兑现资金112亿元。", "112亿元", "11200000000", "元"),
        ("节约利息285.57万元。", "285.57万元", "2855700", "元"),
        ("每户补贴300元。", "300元", "300", "元"),
        ("中方投资额达28.02亿美元。", "28.02亿美元", "2802000000", "美元"),
        ("获得资金50万美元。", "50万美元", "500000", "美元"),
    ],
)
def test_money(text, raw, value, unit):
    check(text, raw, value, unit, "money")


COUNT_UNITS = (
    "户 家 件 项 个 人 名 人次 次 笔 份 条 家次 家（次） 页 期 场 批 所 台 套 类 种 起 例 款 支 位 届 门 宗".split()
)


@pytest.mark.parametrize("unit", COUNT_UNITS)
def test_count_units(unit):
    metric = check(f"累计走访企业37{unit}。", f"37{unit}", "37", "家次" if unit == "家（次）" else unit, "count")
    assert metric.unit == unit and metric.label == "走访企业"


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit"),
    [
        ("同比增长16.22%。", "16.22%", "16.22", "%"),
        ("资金使用费率为0.2‰。", "0.2‰", "0.2", "‰"),
        ("高于各项贷款增速14.52个百分点。", "14.52个百分点", "14.52", "个百分点"),
        ("使用费用降至0.05%/日，", "0.05%/日", "0.05", "%/日"),
        ("使用费用降至0.01%/日。", "0.01%/日", "0.01", "%/日"),
        ("增速为12％。", "12％", "12", "%"),
    ],
)
def test_percentages(text, raw, value, unit):
    check(text, raw, value, unit, "percent")


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit"),
    [
        ("缩短公告时间至20天；", "20天", "20", "天"),
        ("办理时限压缩为3日。", "3日", "3", "日"),
        ("审批时间为7个工作日。", "7个工作日", "7", "工作日"),
        ("审批时间为5工作日。", "5工作日", "5", "工作日"),
        ("实现0.5小时办结。", "0.5小时", "0.5", "小时"),
        ("充电8分钟。", "8分钟", "8", "分钟"),
        ("只需30秒。", "30秒", "30", "秒"),
        ("平均兑现时限为4个月。", "4个月", "4", "个月"),
        ("公示期为2周。", "2周", "2", "周"),
        ("期限3年。", "3年", "3", "年"),
        ("工程实施5年来，", "5年", "5", "年"),
        ("历时2个多月。", "2个多月", "2", "个月"),
    ],
)
def test_durations(text, raw, value, unit):
    check(text, raw, value, unit, "duration")


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit"),
    [
        ("总面积120平方米。", "120平方米", "120", "平方米"),
        ("总面积达4万多平方米。", "4万多平方米", "40000", "平方米"),
        ("规下企业占地5亩。", "5亩", "5", "亩"),
        ("流转土地1.2万亩。", "1.2万亩", "12000", "亩"),
    ],
)
def test_areas(text, raw, value, unit):
    check(text, raw, value, unit, "area")


def test_multiple():
    metric = check("放大倍数超12倍；", "12倍", "12", "倍", "multiple")
    assert metric.qualifier == "超" and metric.label == "放大倍数"


# --- magnitudes, inner 余/多, qualifiers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw", "value", "normalized", "unit", "normalized_unit"),
    [
        ("佛山市实有各类市场主体104.64万户。", "104.64万户", "104.64", "1046400", "万户", "户"),
        ("累计兑现政策资金5.1亿元。", "5.1亿元", "5.1", "510000000", "亿元", "元"),
        ("归集4.17亿条信用信息。", "4.17亿条", "4.17", "417000000", "亿条", "条"),
        ("3.5万名领导干部签订了承诺书。", "3.5万名", "3.5", "35000", "万名", "名"),
        ("累计为企业办理44.2万人次。", "44.2万人次", "44.2", "442000", "万人次", "人次"),
        ("设立资金1千万元。", "1千万元", "1", "10000000", "千万元", "元"),
    ],
)
def test_magnitudes(text, raw, value, normalized, unit, normalized_unit):
    metric = only(text)
    assert (metric.raw, metric.value, metric.normalized_value, metric.unit, metric.normalized_unit) == (
        raw,
        Decimal(value),
        Decimal(normalized),
        unit,
        normalized_unit,
    )
    assert isinstance(metric.value, Decimal) and isinstance(metric.normalized_value, Decimal)


@pytest.mark.parametrize(
    ("text", "raw", "normalized", "unit", "normalized_unit", "qualifier"),
    [
        ("前期已梳理汇集企业基本数据250万余条。", "250万余条", "2500000", "万条", "条", "余"),
        ("超8亿元惠企资金秒到1万多家次企业。", "1万多家次", "10000", "万家次", "家次", "多"),
        ("已提供800余万页企业电子档案查询服务。", "800余万页", "8000000", "万页", "页", "余"),
        ("整合导入19.74多万家中小微企业。", "19.74多万家", "197400", "万家", "家", "多"),
        ("开展培训13.6万余人。", "13.6万余人", "136000", "万人", "人", "余"),
        ("涉及惠企资金2.4亿余元。", "2.4亿余元", "240000000", "亿元", "元", "余"),
        ("已面向全国 20 多个省", "20 多个", "20", "个", "个", "多"),
        ("开展培训 410 余期，", "410 余期", "410", "期", "期", "余"),
    ],
)
def test_inner_yu_duo(text, raw, normalized, unit, normalized_unit, qualifier):
    metric = extract_metrics(text)[-1]
    assert (metric.raw, metric.normalized_value, metric.unit, metric.normalized_unit, metric.qualifier) == (
        raw,
        Decimal(normalized),
        unit,
        normalized_unit,
        qualifier,
    )


@pytest.mark.parametrize(
    ("text", "raw", "qualifier"),
    [
        ("超8亿元惠企资金", "8亿元", "超"),
        ("为近2万家企业提供服务", "2万家", "近"),
        ("累计帮助企业降本减负约1180万元。", "1180万元", "约"),
        ("发布各类政策800余条。", "800余条", "余"),
        ("发动100多家商协会", "100多家", "多"),
        ("75%以上用于开展企业间合作", "75%", "以上"),
        ("惠及逾300家企业", "300家", "逾"),
        ("审批时间不超过7个工作日。", "7个工作日", "不超过"),
        ("担保金额达593.66亿元，", "593.66亿元", "达"),
        ("提供10日内低费率转贷业务", "10日", "内"),
        ("上规3年内的企业", "3年", "内"),
        ("从原来耗时1年多变为几秒钟", "1年", "多"),
        ("变为2个月以内，", "2个月", "以内"),
        ("在印发后5个工作日之内上传", "5个工作日", "之内"),
        ("累计查询量突破1184万次，", "1184万次", "突破"),
        ("降幅超 44%。", "44%", "超"),
        ("归集各类涉企数据超过1.5亿条，", "1.5亿条", "超过"),
        ("挽回损失近2000余万元", "2000余万元", "近,余"),
        ("员工约5.4万人左右。", "5.4万人", "约,左右"),
        ("规下企业占地 5 亩（含）以上的", "5 亩", "以上"),
        ("座谈会不少于 2 次，", "2 次", "不少于"),
        ("给予最高1亿元的综合支持", "1亿元", "最高"),
        ("累计节约3亿元。", "3亿元", ""),
        ("资金直达1000家企业。", "1000家", ""),
        ("通过3种方式办理。", "3种", ""),
        ("最近3天办结。", "3天", ""),
    ],
)
def test_qualifiers(text, raw, qualifier):
    metric = only(text)
    assert (metric.raw, metric.qualifier) == (raw, qualifier)


# --- ranges, rates, stray spaces, bare magnitudes -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw", "low", "high", "normalized_low", "normalized_high", "unit"),
    [
        ("贷款利率在3.92%-5.66%之间。", "3.92%-5.66%", "3.92", "5.66", "3.92", "5.66", "%"),
        ("在5%至12%的区间范围内", "5%至12%", "5", "12", "5", "12", "%"),
        ("一般2-3天办结。", "2-3天", "2", "3", "2", "3", "天"),
        ("期限为1至3年。", "1至3年", "1", "3", "1", "3", "年"),
        ("平均缩短了60%-70%。", "60%-70%", "60", "70", "60", "70", "%"),
        ("年度主营业务收入1000-2000万元的企业", "1000-2000万元", "1000", "2000", "10000000", "20000000", "元"),
        ("补助5万元~10万元。", "5万元~10万元", "5", "10", "50000", "100000", "元"),
    ],
)
def test_ranges(text, raw, low, high, normalized_low, normalized_high, unit):
    metric = only(text)
    assert (metric.raw, metric.value, metric.high, metric.normalized_value, metric.normalized_high) == (
        raw,
        Decimal(low),
        Decimal(high),
        Decimal(normalized_low),
        Decimal(normalized_high),
    )
    assert metric.normalized_unit == unit


def test_rate_per_day():
    metric = check("使用费用降至0.05%/日，", "0.05%/日", "0.05", "%/日", "percent")
    assert metric.unit == "%/日" and metric.label == "使用费用"


def test_stray_space_before_percent():
    metrics = extract_metrics("户数和金额同比分别增长30.9%和25.3 %。")
    assert [(m.raw, m.value, m.unit) for m in metrics] == [
        ("30.9%", Decimal("30.9"), "%"),
        ("25.3 %", Decimal("25.3"), "%"),
    ]


def test_bare_yi_after_money_word_is_yuan():
    metric = check("2012年1-6月合计转贷、金额11.5亿，节约利息", "11.5亿", "1150000000", "元", "money")
    assert (metric.unit, metric.label) == ("亿", "金额")
    check("获国家、省两级财政1.6亿增资。", "1.6亿", "160000000", "元", "money")


def test_bare_wan_without_money_word_is_a_plain_count():
    metric = check("服务用户数5.02万，", "5.02万", "50200", "", "count")
    assert metric.label == "服务用户数"  # 服务 is a noun here (users served), not a governing verb


@pytest.mark.parametrize(
    ("text", "raw", "normalized", "unit", "qualifier"),
    [
        ("累计为全市十万余家企业提供服务", "十万余家", "100000", "家", "余"),
        ("浏览量达到过百万次。", "百万次", "1000000", "次", "达到,过"),
        ("近千名企业员工", "千名", "1000", "名", "近"),
        ("确定了四十余个项目", "四十余个", "40", "个", "余"),
        ("已有近四百家企业", "四百家", "400", "家", "近"),
        ("投资超百亿元。", "百亿元", "10000000000", "元", "超"),
    ],
)
def test_chinese_numerals_with_qualifier(text, raw, normalized, unit, qualifier):
    metric = only(text)
    assert (metric.raw, metric.normalized_value, metric.normalized_unit, metric.qualifier) == (
        raw,
        Decimal(normalized),
        unit,
        qualifier,
    )


@pytest.mark.parametrize(
    ("text", "raw", "normalized", "unit", "normalized_unit", "kind", "qualifier"),
    [
        ("出台七项支持政策。", "七项", "7", "项", "项", "count", ""),
        ("从五个方面提出措施", "五个", "5", "个", "个", "count", ""),
        ("台州市三家城商行", "三家", "3", "家", "家", "count", ""),
        ("实施三年行动计划", "三年", "3", "年", "年", "duration", ""),
        ("出台十二条措施", "十二条", "12", "条", "条", "count", ""),
        ("将178个政策整合为5大产业政策。", "5大", "5", "大", "个", "count", ""),
        ("涵盖6大领域、8大平台", "8大", "8", "大", "个", "count", ""),
        ("聚焦四大专区", "四大", "4", "大", "个", "count", ""),
        ("归纳为8大类", "8大类", "8", "大类", "类", "count", ""),
        ("占比近二成。", "二成", "20", "成", "%", "percent", "近"),
        ("七成以上企业", "七成", "70", "成", "%", "percent", "以上"),
        ("发表21篇论文", "21篇", "21", "篇", "篇", "count", ""),
        ("118大类4000多细项信用信息", "4000多细项", "4000", "细项", "项", "count", "多"),
        ("服务企业1万余人次。", "1万余人次", "10000", "万人次", "人次", "count", "余"),
        ("历时1个多月", "1个多月", "1", "个月", "个月", "duration", "多"),
    ],
)
def test_chinese_counts_n_da_cheng_and_new_units(text, raw, normalized, unit, normalized_unit, kind, qualifier):
    metric = extract_metrics(text)[-1]
    assert (
        metric.raw,
        metric.normalized_value,
        metric.unit,
        metric.normalized_unit,
        metric.kind,
        metric.qualifier,
    ) == (raw, Decimal(normalized), unit, normalized_unit, kind, qualifier)


@pytest.mark.parametrize(
    "text",
    ["打造多项服务", "服务1万余人次", "20多个省", "800余万页", "近百家企业", "约30家"],
)
def test_unit_never_keeps_qualifier_words(text):
    for metric in extract_metrics(text):
        assert not set(metric.unit) & set("多余近约"), metric


# --- not metrics --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2021年，确定49",
        "截至2021年8月底，",
        "截至2021 年 6 月末,",
        "2019年4月2日，温州“金融大脑”平台正式上线。",
        "2021年1-8月，全市民间投资",
        "平台二期于2020年12月份上线运行。",
        "8月底前完成。",
        "2018-2020年，全市",
        "2012年1-6月合计",
        "2021年1月5号在深交所发行",
        "确定11月1日为“青岛企业家日”",
        "于2021年5月6日开通",
        "21年8月上线",
        "1.坚守非营利性质。2.构建上下共建模式。",
        "2. 建立服务打卡工作机制",
        "（2）建立容错机制",
        "第1批试点",
        "确定每年11月第1周为宣传周",
        "依托原有的“12345”便民服务平台",
        "将12345政务服务热线作为投诉渠道",
        "台州市96871平台",
        "建设交子金融“5+2”平台",
        "深化落实营商环境10+N行动",
        "构建企业注销“531”体系",
        "重点瞄准“456”先进产业",
        "形成“4222”风险分担机制",
        "出台民营经济20条，",
        "“温28条”“温32条”等文件",
        "实现“1日办结”，",
        "开启“课堂30%+现场教学70%”模式",
        "实现“三个100%覆盖”",
        "发布《企业法律风险防范 100 问》",
        "咨询电话0571-88888888",
        "联系人手机13812345678",
        "建成5G基站",
        "通过 API 5DP 认证",
        "经全体职工2/3以上同意",
        "实现开办企业0成本、1环节办理",
        "出台《十条意见》",
        "千名成长型企业家、万名企业经营管理人才",
        "全国第一",
        "第三批试点",
        "位列第二名",
        "一个窗口受理",
        "推动二次创业",
        "平台二期上线",
        "出台民营经济二十条",
        "大力发展，大幅提升",
        "形成“一成不变”的格局",
        "温政发〔2021〕12号",
        "《关于促进民营经济发展的三十条意见》",
        "“六稳”“六保”",
        "“三个一”工程",
        "进行企业360度全方面信用评价",
        "每天8:30至17:30办公",
        "上午9:00开始受理",
        "于08:30:00准时开放",
        "比赛以3:1战胜对手",
        "通过ISO 9001:2015认证",
        "目标1：10万户",
        "打通“最后一公里”",
        "按“1:1”模式",
    ],
)
def test_not_a_metric(text):
    assert extract_metrics(text) == [], [m.raw for m in extract_metrics(text)]


# --- context fields --------------------------------------------------------------------------------


def test_label_as_of_sentence_and_offsets():
    text = "截至2021年8月底，佛山市实有各类市场主体104.64万户，同比增长16.22%。2021年1-8月，办结23139件。"
    first, second, third = extract_metrics(text)
    assert (first.label, first.as_of, first.as_of_year, first.as_of_month) == (
        "市场主体",
        "截至2021年8月底",
        2021,
        8,
    )
    assert first.sentence == "截至2021年8月底，佛山市实有各类市场主体104.64万户，同比增长16.22%。"
    assert (second.label, second.position, second.sentence) == ("同比增长", 2, first.sentence)
    assert (third.label, third.as_of, third.as_of_year, third.as_of_month, third.position) == (
        "办结件数",
        "2021年1-8月",
        2021,
        8,
        3,
    )
    for metric in (first, second, third):
        assert text[metric.start : metric.end] == metric.raw


@pytest.mark.parametrize(
    ("text", "as_of", "year", "month"),
    [
        ("今年以来，受理诉求3401件。", "今年以来", None, None),
        ("2021年上半年，全市融资金额95.4亿元。", "2021年上半年", 2021, 6),
        ("截至2020年末，发放贷款9697笔。", "截至2020年末", 2020, 12),
        ("至5月末，全市已新增首贷户2795户。", "至5月末", None, 5),
        ("2019年以来开展培训44.2万人次。", "2019年以来", 2019, None),
        ("发放贷款9697笔。截至2020年末，", "", None, None),
    ],
)
def test_as_of(text, as_of, year, month):
    metric = only(text)
    assert (metric.as_of, metric.as_of_year, metric.as_of_month) == (as_of, year, month)
    assert as_of not in metric.label or not as_of


def test_labels_follow_the_previous_figure_of_the_clause():
    metrics = extract_metrics("累计兑现政策资金5.1亿元、惠及企业8468户。累计为3139家（次）企业提供转贷资金476.96亿元。")
    # 惠及 governs the counted firms: an editor accepts the firms alone or with the verb
    assert [m.label for m in metrics[:1] + metrics[2:]] == ["政策资金", "企业", "转贷资金"]
    assert metrics[1].label in ("惠及企业", "企业")
    assert metrics[2].normalized_unit == "家次"


def test_metric_is_frozen():
    metric = only("办结23139件。")
    with pytest.raises(dataclasses.FrozenInstanceError):
        metric.raw = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("unit", "money", "expected"),
    [
        ("万户", False, (Decimal(10000), "户", "count")),
        ("万余条", False, (Decimal(10000), "条", "count")),
        ("余万页", False, (Decimal(10000), "页", "count")),
        ("亿美元", False, (Decimal(10) ** 8, "美元", "money")),
        ("家（次）", False, (Decimal(1), "家次", "count")),
        ("个工作日", False, (Decimal(1), "工作日", "duration")),
        ("%/日", False, (Decimal(1), "%/日", "percent")),
        ("万平方米", False, (Decimal(10000), "平方米", "area")),
        ("倍", False, (Decimal(1), "倍", "multiple")),
        ("亿", True, (Decimal(10) ** 8, "元", "money")),
        ("万", False, (Decimal(10000), "", "count")),
        ("公里", False, (Decimal(1), "公里", "length")),
        ("千米", False, (Decimal(1), "公里", "length")),
        ("万米", False, (Decimal(10000), "米", "length")),
    ],
)
def test_normalize_unit(unit, money, expected):
    assert normalize_unit(unit, money=money) == expected


@pytest.mark.parametrize("unit", ["度", "", "万度", "立方米", ":1"])
def test_normalize_unit_rejects_unknown_units(unit):
    with pytest.raises(ValueError):
        normalize_unit(unit)


# --- measured quality against the hand-annotated gold ---------------------------------------------


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return json.loads(GOLD.read_text(encoding="utf-8"))


def _key(raw: str, value, unit: str) -> tuple[str, Decimal, str]:
    return raw, Decimal(value), unit


def _align(gold_paragraph: dict) -> tuple[list[tuple[dict, ExtractedMetric]], int, int]:
    """Pairs (gold, extracted) matched on raw + normalized value + unit, then #missed and #spurious."""
    extracted = extract_metrics(gold_paragraph["text"])
    unused = list(extracted)
    pairs, missed = [], 0
    for g in gold_paragraph["metrics"]:
        key = _key(g["raw"], g["normalized_value"], g["normalized_unit"])
        match = next((e for e in unused if _key(e.raw, e.normalized_value, e.normalized_unit) == key), None)
        if match is None:
            missed += 1
        else:
            unused.remove(match)
            pairs.append((g, match))
    return pairs, missed, len(unused)


def test_gold_covers_the_required_sample(gold):
    practices = {p["practice"] for p in gold if "practice" in p}
    assert {1, 4, 5, 13, 15} <= practices and len(practices) >= 15
    assert sum(1 for p in gold if "source" in p) >= 2
    units = {m["normalized_unit"] for p in gold for m in p["metrics"]}
    assert {"家次", "美元", "%", "%/日", "个百分点", "天", "年", ":1", ":1:1", "公里"} <= units
    kinds = {m["kind"] for p in gold for m in p["metrics"]}
    assert {"money", "count", "percent", "duration", "area", "ratio", "length"} <= kinds
    assert any(m["high"] for p in gold for m in p["metrics"])


def test_gold_texts_are_the_joined_source_paragraphs(gold):
    """003 texts: wrapped lines joined with nothing, no "XX市：" prefix (as the 003 parser produces them)."""
    joined = "".join(line.strip() for line in SOURCE_003.read_text(encoding="utf-8").split("\n"))
    for paragraph in gold:
        if "practice" in paragraph:
            assert paragraph["text"] in joined, paragraph["practice"]
            assert not re.match(r"\S{2,4}市：", paragraph["text"])
            assert joined.count(paragraph["city"] + "：" + paragraph["text"]) == 1 or paragraph["notes"].startswith(
                "single-city"
            )
        else:
            blocks = re.split(r"\n\s*\n", (SOURCES / paragraph["source"]).read_text(encoding="utf-8"))
            assert "".join(blocks[paragraph["paragraph"]].split("\n")) == paragraph["text"]


def test_precision_and_recall_against_gold(gold):
    true_positive = sum(len(_align(p)[0]) for p in gold)
    missed = sum(_align(p)[1] for p in gold)
    spurious = sum(_align(p)[2] for p in gold)
    precision = true_positive / (true_positive + spurious)
    recall = true_positive / (true_positive + missed)
    figures = (
        f"precision={precision:.3f} recall={recall:.3f} (tp={true_positive} fp={spurious} fn={missed}, "
        f"{true_positive + missed} gold metrics in {len(gold)} paragraphs)"
    )
    assert recall >= 0.95 and precision >= 0.95, figures


# Each gold metric lists the labels an editor accepts (``labels``, written by hand from the sentence; the
# first rules' output ``label`` heads the list only where it is acceptable, 186 of 260).  The old check
# compared with ``label`` alone, which measured agreement with the first rules, not correctness.
GOLD_LABEL_FLOOR = 0.90  # measured 0.904 (235/260) after the generalisation pass


def test_gold_labels_are_lists_of_acceptable_labels(gold):
    for metric in (m for p in gold for m in p["metrics"]):
        assert metric["labels"] and all(MIN_LABEL <= len(label) <= MAX_LABEL for label in metric["labels"])
        assert metric["label"] not in metric["labels"][1:]


def test_label_accuracy_against_gold(gold):
    pairs = [pair for p in gold for pair in _align(p)[0]]
    wrong = [(g["raw"], g["labels"][0], e.label) for g, e in pairs if e.label not in g["labels"]]
    accuracy = 1 - len(wrong) / len(pairs)
    figures = f"label accuracy={accuracy:.3f} on {len(pairs)} matched metrics; wrong: {wrong[:10]}"
    assert accuracy >= GOLD_LABEL_FLOOR, figures


def test_other_fields_against_gold(gold):
    pairs = [pair for p in gold for pair in _align(p)[0]]
    fields = Counter()
    for g, e in pairs:
        high = Decimal(g["high"]) if g["high"] else None
        fields["value"] += e.value == Decimal(g["value"]) and e.high == high
        fields["unit"] += e.unit == g["unit"]
        fields["kind"] += e.kind == g["kind"]
        fields["qualifier"] += e.qualifier == g["qualifier"]
    accuracy = {name: count / len(pairs) for name, count in fields.items()}
    assert min(accuracy.values()) >= 0.95, f"field accuracy on {len(pairs)} matched metrics: {accuracy}"


def test_values_are_decimals_never_floats(gold):
    for paragraph in gold:
        for metric in extract_metrics(paragraph["text"]):
            numbers = (metric.value, metric.normalized_value, metric.high, metric.normalized_high)
            assert all(n is None or isinstance(n, Decimal) for n in numbers), metric


# --- no Django --------------------------------------------------------------------------------------


def test_import_does_not_load_django():
    code = (
        "import sys\n"
        "import practices.importer.metrics\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "sys.exit('django modules loaded: %s' % loaded if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
