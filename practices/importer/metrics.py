"""Extract quantitative results ("5.1亿元", "8468户", "办结率99%") from practice text.

Pure Python (standard library + cn2an); no Django, no floats.  The input is a
paragraph whose wrapped lines are already joined without separator.

Rules and judgement calls
-------------------------
* A figure is an Arabic number (``12``, ``104.64``) followed - stray spaces
  allowed, "25.3 %" - by optional inner 余/多, an optional magnitude (万, 亿,
  千, 千万, 百万, 万亿) and a unit from :data:`units.CORE_UNITS` (N大 "5大产业政策",
  篇, 细项, 成 = tenths: "二成" -> 20 %).  No unit, no metric: "12345"热线,
  96871平台, 续航200公里 (no length kind) yield nothing.
* ``raw`` is the figure only, verbatim: number, stray spaces, inner 余/多,
  magnitude and unit ("800余万页", "25.3 %", "3.92%-5.66%").  Qualifiers before
  (超, 近, 约, 不超过 ...) or after (以上, 以内, 左右 ...) the figure are NOT in
  ``raw``; they go to ``qualifier``.  Inner 余/多 are in ``raw`` *and* in
  ``qualifier``.  Several qualifiers are joined with "," in text order.
* ``unit`` is what follows the number without spaces and without 余/多 ("万条",
  "家（次）"); 余/多 live in ``qualifier``.  ``normalized_unit`` also drops the
  magnitude (条, 家次): 家（次） -> 家次, 个工作日 -> 工作日, 大类 -> 类, 大 -> 个.
* A bare 万/亿 without unit is a figure: yuan when a money word (金额, 资金,
  财政, 增资 ...) is in its clause ("金额11.5亿", "财政1.6亿增资"), otherwise a
  count with normalized unit "" ("服务用户数5.02万").
* 年 counts as a duration only after a number of at most two integer digits
  ("期限为2-3年", "连续3年", "1年多"); "2021年", "2018-2020年" are dates.
  内, 多, 余 after a duration are qualifiers ("10日内", "1年多").
* Ranges: "3.92%-5.66%", "5%至12%", "2-3年", "1000-2000万元" (the low end
  takes the unit of the high end).  Separators - – — ~ ～ 至; 到 is not one.
* Not metrics: dates (2019年4月2日, 8月底, 12月份, 1月5号), ordinals ("1.",
  "（2）", 第1周), ratios (6：2：2, 7:2:1), formula names (5+2), figures inside
  《》 or inside a short quotation without punctuation ("“温28条”",
  "“1日办结”", "“课堂30%+现场教学70%”" are names or slogans - a quoted sentence
  such as "“充电8分钟，续航200公里。”" is not), 11+ digit integers (phones),
  and "N条" right after 经济 ("民营经济20条", a policy title).  An unquoted
  title with another stem ("惠企10条") is not recognised and is extracted.
* Chinese numerals of any size count ("七项", "五个方面", "三年", "四十余个").
  Without a qualifier, 一/〇 alone, numerals starting with 百/千 or carrying
  万/亿 ("千名成长型企业家"), and 次/期 ("二次创业", "平台二期") are names or
  articles and are left out; so are numerals after 第/每/统/唯/同 (第一, 统一).
* ``label``: what the figure measures, 2-12 characters, from the clause around
  it (see :mod:`practices.importer.labels`); the clause text before the figure
  is cut after the previous figure and stripped of dates and connectives.
* ``as_of``: the last period phrase (截至2021年8月底, 2021年1-8月, 今年以来,
  2019年以来, 目前 ...) of the sentence that precedes the figure; "" if none.
  ``as_of_month`` is the last month of the period (上半年 -> 6, 年底 -> 12).
* ``sentence``: split after 。！？；;!? (a closing quote/bracket stays with
  it), surrounding whitespace stripped.  ``start``/``end`` delimit ``raw``.
* Not supported: negative numbers, thousands separators (1,000), fractions
  (2/3), ratios (1:1 - no ratio kind yet), 几/数 (十几场, 数十家), units outside
  the table (公里, 度).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import cn2an

from practices.importer.labels import metric_label
from practices.importer.periods import AS_OF, as_of_period
from practices.importer.units import (
    BARE_MAGNITUDES,
    CN_ONLY_PREFIX,
    DURATION_SUFFIXES,
    MONEY_CUES,
    PREFIX_QUALIFIERS,
    SUFFIX_QUALIFIERS,
    normalize_unit,
    unit_pattern,
)

__all__ = ["ExtractedMetric", "extract_metrics", "normalize_unit"]


@dataclass(frozen=True)
class ExtractedMetric:
    raw: str
    value: Decimal
    high: Decimal | None
    unit: str
    normalized_value: Decimal
    normalized_high: Decimal | None
    normalized_unit: str
    kind: str
    qualifier: str
    label: str
    as_of: str
    as_of_year: int | None
    as_of_month: int | None
    sentence: str
    position: int
    start: int
    end: int


_SP = r"[ \u3000\u00a0]*"
_NUM = r"[0-9]+(?:\.[0-9]+)?"
_MAG = r"(?:万亿|千万|百万|万|亿|千)"
_INNER = r"(?:余(?!额)|多)"
_UNIT = unit_pattern()
_FIGURE = re.compile(
    rf"(?:(?P<lo>{_NUM}){_SP}(?P<lomag>{_MAG})?(?P<lounit>{_UNIT})?{_SP}[-–—~～至]{_SP})?"
    rf"(?P<num>{_NUM}){_SP}(?P<i1>{_INNER})?{_SP}(?P<mag>{_MAG})?(?P<i2>{_INNER})?{_SP}(?P<unit>{_UNIT})?"
)
_CN_FIGURE = re.compile(
    rf"(?P<num>[零〇一二两三四五六七八九十百千]+)(?P<i1>{_INNER})?(?P<mag>万亿|万|亿)?(?P<i2>{_INNER})?"
    rf"{_SP}(?P<unit>{_UNIT})"
)
_PARTS = ("num", "i1", "mag", "i2", "unit")

_SENTENCE_END = re.compile(r"[。！？；;!?][”’」』）)]*")
_CLAUSE_DELIMS = frozenset("，,；;。！？!?：:、（）()")
_QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’"}
_SPACES = " \u3000\u00a0"
_LEADING = ("其中", "同时", "此外", "另外", "以及", "的", "和")
# trailing function word -> preceding characters that make it part of a word (平均, 总和, 分为)
_TRAILING = {"分别": "", "共计": "", "合计": "", "的": "目", "为": "分作成改化认视变称定划归列选评降增升转行因",
             "是": "", "在": "存所现正实", "了": "为除", "共": "公总", "均": "平人户亩年日月",
             "各": "", "已": "", "仅": "不", "将": "即", "和": "总调温缓饱平共"}


@dataclass
class _Figure:
    start: int
    end: int
    value: Decimal
    high: Decimal | None
    unit: str
    multiplier: Decimal
    normalized_unit: str
    kind: str
    qual_start: int = 0
    span_end: int = 0
    qualifiers: tuple[str, ...] = ()


def normalize_value(value: Decimal, multiplier: Decimal) -> Decimal:
    """value x multiplier without exponent noise: 104.64 x 10^4 -> Decimal("1046400")."""
    result = (value * multiplier).normalize()
    return result.quantize(Decimal(1)) if result == result.to_integral_value() else result


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Spans whose figures are part of a name: 《...》 and short quotes without punctuation."""
    spans = [m.span() for m in re.finditer(r"《[^《》]{0,80}》|〈[^〈〉]{0,80}〉", text)]
    for start, end in _quote_spans(text):
        inner = text[start + 1:end - 1]
        if len(inner) <= 15 and not re.search(r"[，。；！？、,;!?]", inner):
            spans.append((start, end))
    return spans


def _quote_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in re.finditer("[“「『‘]", text):
        close = text.find(_QUOTES[m.group()], m.end(), m.end() + 60)
        if close != -1:
            spans.append((m.start(), close + 1))
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < pos < e for s, e in spans)


def _clause_start(text: str, lower: int, pos: int, quotes: list[tuple[int, int]]) -> int:
    for i in range(pos - 1, lower - 1, -1):
        if text[i] in _CLAUSE_DELIMS and not _inside(i, quotes):
            return i + 1
    return lower


def _clause_end(text: str, pos: int, upper: int, quotes: list[tuple[int, int]]) -> int:
    for i in range(pos, upper):
        if text[i] in _CLAUSE_DELIMS and not _inside(i, quotes):
            return i
    return upper


def _prefix_qualifiers(text: str, start: int, chinese: bool) -> tuple[int, list[str]]:
    table = PREFIX_QUALIFIERS + (CN_ONLY_PREFIX if chinese else ())
    found: list[str] = []
    pos = start
    for _ in range(2):
        j = pos
        while j > 0 and text[j - 1] in _SPACES:
            j -= 1
        for word, bad_before in table:
            k = j - len(word)
            if k >= 0 and text[k:j] == word and not (k > 0 and text[k - 1] in bad_before):
                found.insert(0, word)
                pos = k
                break
        else:
            break
    return pos, found


def _suffix_qualifier(text: str, end: int, kind: str) -> tuple[int, str]:
    j = end
    while j < len(text) and text[j] in _SPACES:
        j += 1
    k = j + 3 if text.startswith(("（含）", "(含)"), j) else j
    for word in SUFFIX_QUALIFIERS:
        if text.startswith(word, k):
            return k + len(word), word
    if kind == "duration" and end < len(text) and text[end] in DURATION_SUFFIXES:
        return end + 1, text[end]
    return end, ""


def _money_context(text: str, start: int, end: int) -> bool:
    clause = text[_clause_start(text, max(0, start - 40), start, []):start]
    after = text[end:end + 2]
    return any(cue in clause for cue in MONEY_CUES) or any(after.startswith(cue) for cue in MONEY_CUES)


def _digit_figure(text: str, m: re.Match, names: list[tuple[int, int]]) -> _Figure | None:
    unit_core, mag = m.group("unit"), m.group("mag")
    if not unit_core and mag not in BARE_MAGNITUDES:
        return None
    start = m.start("lo") if m.group("lo") else m.start("num")
    end = max(m.end(g) for g in _PARTS if m.group(g) is not None)
    before, num = text[:start].rstrip(_SPACES), m.group("num")
    ints = [len(n.split(".")[0]) for n in (num, m.group("lo")) if n]
    if (
        before.endswith("第")
        or (before and before[-1].isascii() and before[-1].isalpha())
        or re.search(r"\d\s*[:：]$", before) or re.match(r"\s*[:：]\s*\d", text[m.end("num"):])
        or text[start - 1:start] == "+" or text[end:end + 1] == "+"
        or any(s <= start and end <= e for s, e in names)
        or (unit_core == "年" and (max(ints) >= 3 or re.match(r"\s*\d{1,2}\s*月", text[end:])))
        or (unit_core == "日" and before.endswith("月"))
        or (unit_core == "条" and before.endswith("经济"))
        or max(ints) >= 11
    ):
        return None
    unit = _unit_as_written(text[m.end("num"):end])
    money = not unit_core and _money_context(text, start, end)
    multiplier, normalized_unit, kind = normalize_unit(unit, money=money)
    low = None
    if m.group("lo"):
        lo_unit = (m.group("lomag") or "") + (m.group("lounit") or "")
        if lo_unit and normalize_unit(lo_unit, money=money) != (multiplier, normalized_unit, kind):
            start, low = m.start("num"), None  # "5万元-1亿元": keep only the high figure
        else:
            low = Decimal(m.group("lo"))
    value = low if low is not None else Decimal(num)
    high = Decimal(num) if low is not None else None
    figure = _Figure(start, end, value, high, unit, multiplier, normalized_unit, kind)
    figure.qualifiers = _inner_qualifiers(m, text[m.end("num"):end])
    return figure


def _inner_qualifiers(m: re.Match, written: str) -> tuple[str, ...]:
    """余/多 between number and unit, including one inside the unit ("1个多月")."""
    inner = tuple(q for q in (m.group("i1"), m.group("i2")) if q)
    unit = m.group("unit") or ""
    return inner + tuple(q for q in "余多" if q in unit and q in written)


def _unit_as_written(text: str) -> str:
    """The unit without spaces and without inner 余/多, which live in ``qualifier`` ("万余条" -> "万条")."""
    return re.sub(f"[{_SPACES}余多]", "", text)


def _cn_value(numeral: str) -> Decimal | None:
    numeral = numeral.replace("两", "二").replace("〇", "零")
    if numeral[0] in "百千":
        numeral = "一" + numeral
    try:
        return Decimal(int(cn2an.cn2an(numeral, "normal")))
    except (ValueError, KeyError, IndexError):
        return None


def _cn_figure(text: str, m: re.Match, names: list[tuple[int, int]]) -> _Figure | None:
    num, mag = m.group("num"), m.group("mag")
    inner = tuple(q for q in (m.group("i1"), m.group("i2")) if q)
    qualified = bool(inner or _prefix_qualifiers(text, m.start(), chinese=True)[1])
    core_unit = normalize_unit(m.group("unit"))[1] if m.group("unit") else ""
    if not qualified and (
        num in ("一", "〇", "零") or num[0] in "百千" or mag
        or core_unit in ("次", "期")  # 二次创业, 三次产业, 平台二期
    ):
        return None  # 一个/一项 are articles; 千名/百家/万人 slogans
    before = text[:m.start()]
    if (before[-1:].isdigit() or before.endswith(("第", "每", "初", "统", "唯", "同", "万", "之"))
            or (core_unit == "条" and before.endswith("经济"))
            or any(s <= m.start() < e for s, e in names)):
        return None
    value = _cn_value(num)
    if value is None:
        return None
    unit = _unit_as_written(text[m.end("num"):m.end()])
    multiplier, normalized_unit, kind = normalize_unit(unit)
    if kind == "duration" and normalized_unit == "年" and value >= 1000:
        return None
    figure = _Figure(m.start(), m.end(), value, None, unit, multiplier, normalized_unit, kind)
    figure.qualifiers = _inner_qualifiers(m, text[m.end("num"):m.end()])
    return figure


def _clean_label(label: str) -> str:
    while True:
        previous = label
        label = label.strip(_SPACES)
        if label[:1] in _QUOTES and _QUOTES[label[0]] not in label:
            label = label[1:]  # opening quote of a quotation that contains the figure
        as_of = AS_OF.match(label)
        if as_of and as_of.end():
            label = label[as_of.end():]
        for word in _LEADING:
            if label.startswith(word):
                label = label[len(word):]
        for word, bad_before in _TRAILING.items():
            k = len(label) - len(word)
            if label.endswith(word) and not (k > 0 and label[k - 1] in bad_before):
                label = label[:k]
        if label == previous:
            return label


def _listed_after(text: str, metrics: list[ExtractedMetric], figure: _Figure) -> str:
    """Label of the previous figure when this one follows it in a list ("18.2%、18.8%")."""
    if not metrics:
        return ""
    between = text[metrics[-1].end:figure.qual_start].strip(_SPACES)
    if between not in ("、", "和", "及", ",", "，"):
        return ""
    if metrics[-1].kind == figure.kind:
        return metrics[-1].label
    # "贷款9697笔、1094.8亿元": the amount of the thing just counted
    return metrics[-1].label + {"money": "金额", "percent": "比例"}.get(figure.kind, "")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def extract_metrics(text: str) -> list[ExtractedMetric]:
    """All figures of ``text`` in text order (see the module docstring for the rules)."""
    names, quotes = _name_spans(text), _quote_spans(text)
    figures = [f for m in _FIGURE.finditer(text) if (f := _digit_figure(text, m, names))]
    figures += [f for m in _CN_FIGURE.finditer(text) if (f := _cn_figure(text, m, names))]
    figures.sort(key=lambda f: f.start)
    for f in figures:
        f.qual_start, prefix = _prefix_qualifiers(text, f.start, chinese=not text[f.start].isdigit())
        f.span_end, suffix = _suffix_qualifier(text, f.end, f.kind)
        f.qualifiers = (*prefix, *f.qualifiers, *((suffix,) if suffix else ()))

    metrics: list[ExtractedMetric] = []
    sentences = _sentences(text)
    previous_end = 0
    for position, f in enumerate(figures, start=1):
        s_start, s_end = next(span for span in sentences if span[0] <= f.start < span[1])
        lower = max(s_start, previous_end)
        next_start = figures[position].qual_start if position < len(figures) else s_end
        label = metric_label(
            before=_clean_label(text[_clause_start(text, lower, f.qual_start, quotes):f.qual_start]),
            after=text[f.span_end:_clause_end(text, f.span_end, min(s_end, next_start), quotes)],
            kind=f.kind,
            clause=_clean_label(text[_clause_start(text, s_start, f.qual_start, quotes):f.qual_start]),
            previous=_listed_after(text, metrics, f),
            unit=f.normalized_unit,
        )
        as_of, year, month = as_of_period(text, s_start, f.qual_start)
        metrics.append(ExtractedMetric(
            raw=text[f.start:f.end],
            value=f.value,
            high=f.high,
            unit=f.unit,
            normalized_value=normalize_value(f.value, f.multiplier),
            normalized_high=normalize_value(f.high, f.multiplier) if f.high is not None else None,
            normalized_unit=f.normalized_unit,
            kind=f.kind,
            qualifier=",".join(f.qualifiers),
            label=label,
            as_of=as_of,
            as_of_year=year,
            as_of_month=month,
            sentence=text[s_start:s_end].strip(_SPACES + "\n"),
            position=position,
            start=f.start,
            end=f.end,
        ))
        previous_end = f.span_end
    return metrics
