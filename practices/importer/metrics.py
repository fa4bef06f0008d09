"""Extract quantitative results ("5.1亿元", "8468户", "办结率99%") from practice text.

Pure Python (standard library + cn2an); no Django, no floats.  The input is a
paragraph whose wrapped lines are already joined without separator.

Rules and judgement calls
-------------------------
* A figure is an Arabic number (``12``, ``104.64``) followed - stray spaces
  allowed, "25.3 %" - by optional inner 余/多, an optional magnitude (万, 亿,
  千, 千万, 百万, 万亿) and a unit from :data:`units.CORE_UNITS` (N大 "5大产业政策",
  篇, 细项, 成 = tenths: "二成" -> 20 %; lengths 公里/千米/米: "续航200公里",
  千米 -> 公里, 米 stays 米).  No unit, no metric: "12345"热线, 96871平台 yield
  nothing.  Figures are found by :mod:`practices.importer.figures`.
* Ratios ("按1：1出资", "6：2：2", "1∶1", "1比1") are metrics of kind ``ratio``
  (:mod:`practices.importer.ratios`): ``value`` is the first term, ``unit``
  the rest (":2:2"), ``normalized_value`` first / last term and
  ``normalized_unit`` the rest divided by the last term (6：2：2 -> 3 ":1:1",
  1:3 -> 0.3333 ":1").  Clock times (8:30), scores (3:1战胜) and a colon
  after a label ("目标1：10万户") are not ratios.
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
  "（2）", 第1周), clock times (8:30), formula names (5+2), figures inside
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
  is cut after the previous figure and stripped of dates and connectives.  A figure alone
  in parentheses names the words before them ("阶段性高位（25.44%）"); administrative
  levels right after a figure are skipped ("120余名市、区|政协委员").
* ``as_of``: the last period phrase (截至2021年8月底, 2021年1-8月, 今年以来,
  2019年以来, 目前 ...) of the sentence that precedes the figure; "" if none.
  ``as_of_month`` is the last month of the period (上半年 -> 6, 年底 -> 12).
* ``sentence``: split after 。！？；;!? (a closing quote/bracket stays with
  it), surrounding whitespace stripped.  ``start``/``end`` delimit ``raw``.
* Not supported: negative numbers, thousands separators (1,000), fractions
  (2/3), ratios in Chinese numerals (一比一), 几/数 (十几场, 数十家), units
  outside the table (度, 立方米, km).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from practices.importer.figures import (
    CLAUSE_DELIMS,
    QUOTES,
    SPACES,
    Figure,
    clause_end,
    clause_start,
    cn_figures,
    digit_figures,
    name_spans,
    normalize_value,
    prefix_qualifiers,
    quote_spans,
    suffix_qualifier,
)
from practices.importer.labels import MAX_LABEL, metric_label
from practices.importer.periods import AS_OF, as_of_period
from practices.importer.ratios import ratio_figures
from practices.importer.units import normalize_unit

__all__ = ["ExtractedMetric", "extract_metrics", "normalize_unit", "normalize_value"]


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


_SENTENCE_END = re.compile(r"[。！？；;!?][”’」』）)]*")
_LEADING = ("其中", "同时", "此外", "另外", "以及", "的", "和")
# trailing function word -> preceding characters that make it part of a word (平均, 总和, 分为)
_TRAILING = {"分别": "", "共计": "", "合计": "", "的": "目", "为": "分作成改化认视变称定划归列选评降增升转行因",
             "是": "", "在": "存所现正实", "了": "为除", "共": "公总", "均": "平人户亩年日月",
             "各": "", "已": "", "仅": "不", "将": "即", "和": "总调温缓饱平共"}


_PARENTHETICAL = re.compile(r"[（(][^（）()]*[）)]")


def _clean_label(label: str) -> str:
    label = _PARENTHETICAL.sub("", label)  # "平台查询用户（银行）": the aside names no other thing
    while True:
        previous = label
        label = label.strip(SPACES)
        if label[:1] in QUOTES and QUOTES[label[0]] not in label:
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


def _listed_after(text: str, metrics: list[ExtractedMetric], figure: Figure, previous_end: int) -> str:
    """Label of the previous figure when this one follows it in a list ("18.2%、18.8%")."""
    if not metrics:
        return ""
    between = text[previous_end:figure.qual_start].strip(SPACES)
    # back to back ("19宗3亿元") or summed up ("8626笔，合计203.12亿元")
    if between.lstrip("，,") not in ("", "、", "和", "及", "合计", "共计", "共") or "，，" in between:
        return ""
    if not between and metrics[-1].kind == figure.kind:
        return ""  # "30多个部门118大类": counts back to back count different things
    if metrics[-1].kind == figure.kind:
        return metrics[-1].label
    # "贷款9697笔、1094.8亿元": the amount of the thing just counted
    return metrics[-1].label + {"money": "金额", "percent": "比例"}.get(figure.kind, "")


def _run_end(figures: list, index: int) -> int | None:
    """Where a run of counts written back to back ends ("118大类4000多细项4.17亿条|信用信息").

    None when the figure at ``index`` is not followed at once by another count ("19宗3亿元" is
    a count and its amount, not a run).
    """

    def glued(at: int) -> bool:
        return at + 1 < len(figures) and figures[at + 1].kind == "count" and figures[at + 1].qual_start == figures[at].span_end

    if not glued(index):
        return None
    while glued(index):
        index += 1
    return figures[index].span_end


def _follows_count(text: str, previous: Figure, figure: Figure) -> bool:
    """The figure continues a run of counts: "30多个部门|118大类" (a short noun between, no break)."""
    between = text[previous.span_end:figure.qual_start]
    return previous.kind == "count" and len(between) <= 4 and not any(c in CLAUSE_DELIMS for c in between)


def _with_class_unit(label: str, unit: str) -> str:
    """ "信用信息" + "大类" -> 信用信息大类: a count of classes or items inside a run names both."""
    unit = unit.lstrip("0123456789.万亿千百")
    if len(unit) >= 2 and not label.endswith(unit) and len(label) + len(unit) <= MAX_LABEL:
        return label + unit
    return label


def _aside_of(text: str, figure: Figure, lower: int) -> int:
    """Where the words naming ``figure`` end: before its parenthesis when it is an aside on them.

    "阶段性高位（25.44%）", "“引导清单”（各7条）": a figure alone in parentheses gives a
    number for the noun right before them, not for what follows.
    """
    opening = figure.qual_start
    while opening > lower and text[opening - 1] in SPACES + "各均约共":  # "（各7条）", "（约30%）"
        opening -= 1
    close = figure.span_end
    while close < len(text) and text[close] in SPACES:
        close += 1
    if opening > lower and text[opening - 1] in "（(" and text[close:close + 1] in ("）", ")"):
        return opening - 1
    return figure.qual_start


# Administrative levels listed before a noun ("120余名市、区政协委员", "省、市、县三级"): where, not what.
_PLACE_LEVELS = re.compile(r"(?:[省市区县镇乡村][、和及与])+[省市区县镇乡村](?=[\u4e00-\u9fff])")


def _place_levels_length(text: str, at: int) -> int:
    levels = _PLACE_LEVELS.match(text, at)
    return levels.end() - at if levels else 0


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
    names, quotes = name_spans(text), quote_spans(text)
    figures = digit_figures(text, names) + cn_figures(text, names) + ratio_figures(text, names)
    figures.sort(key=lambda f: f.start)
    for f in figures:
        f.qual_start, prefix = prefix_qualifiers(text, f.start, chinese=not text[f.start].isdigit())
        f.span_end, suffix = suffix_qualifier(text, f.end, f.kind)
        f.qualifiers = (*prefix, *f.qualifiers, *((suffix,) if suffix else ()))

    metrics: list[ExtractedMetric] = []
    sentences = _sentences(text)
    previous_end = 0
    for position, f in enumerate(figures, start=1):
        s_start, s_end = next(span for span in sentences if span[0] <= f.start < span[1])
        lower = max(s_start, previous_end)
        next_start = figures[position].qual_start if position < len(figures) else s_end
        after_start = f.span_end + _place_levels_length(text, f.span_end)
        after = text[after_start:clause_end(text, after_start, min(s_end, next_start), quotes)]
        in_run = position > 1 and _follows_count(text, figures[position - 2], f)
        run_end = _run_end(figures, position - 1) if in_run and not after and f.kind == "count" else None
        if run_end is not None:
            after = text[run_end:clause_end(text, run_end, s_end, quotes)]
        named_at = _aside_of(text, f, lower)
        label = metric_label(
            before=_clean_label(text[clause_start(text, lower, named_at, quotes):named_at]),
            after=after,
            kind=f.kind,
            clause=_clean_label(text[clause_start(text, s_start, named_at, quotes):named_at]),
            previous=_listed_after(text, metrics, f, previous_end),
            unit=f.normalized_unit,
        )
        if run_end is not None:
            label = _with_class_unit(label, f.unit)
        as_of, year, month = as_of_period(text, s_start, f.qual_start)
        metrics.append(ExtractedMetric(
            raw=text[f.start:f.end],
            value=f.value,
            high=f.high,
            unit=f.unit,
            normalized_value=f.normalized if f.normalized is not None else normalize_value(f.value, f.multiplier),
            normalized_high=normalize_value(f.high, f.multiplier) if f.high is not None else None,
            normalized_unit=f.normalized_unit,
            kind=f.kind,
            qualifier=",".join(f.qualifiers),
            label=label,
            as_of=as_of,
            as_of_year=year,
            as_of_month=month,
            sentence=text[s_start:s_end].strip(SPACES + "\n"),
            position=position,
            start=f.start,
            end=f.end,
        ))
        previous_end = f.span_end
    return metrics
