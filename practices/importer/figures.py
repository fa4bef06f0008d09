"""Find figures in a paragraph: Arabic and Chinese-numeral numbers with their unit.

Pure Python (standard library + cn2an); no Django, no floats.  The rules are
listed in :mod:`practices.importer.metrics`, which turns these figures into
metrics (qualifiers, labels, periods); ratios ("1:1") are found by
:mod:`practices.importer.ratios`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import cn2an

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

__all__ = [
    "CLAUSE_DELIMS",
    "QUOTES",
    "RATIO_COLONS",
    "SPACES",
    "Figure",
    "clause_end",
    "clause_start",
    "cn_figures",
    "digit_figures",
    "inside",
    "name_spans",
    "normalize_value",
    "prefix_qualifiers",
    "quote_spans",
    "suffix_qualifier",
]

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

CLAUSE_DELIMS = frozenset("，,；;。！？!?：:、（）()")
QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’"}
SPACES = " \u3000\u00a0"
# Colons that join the terms of a ratio (6：2：2, 1∶1): a number next to one is not a figure.
RATIO_COLONS = ":：∶"


@dataclass
class Figure:
    """One figure found in the text; ``normalized`` overrides value x multiplier (ratios)."""

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
    normalized: Decimal | None = None


def normalize_value(value: Decimal, multiplier: Decimal) -> Decimal:
    """value x multiplier without exponent noise: 104.64 x 10^4 -> Decimal("1046400")."""
    result = (value * multiplier).normalize()
    return result.quantize(Decimal(1)) if result == result.to_integral_value() else result


def name_spans(text: str) -> list[tuple[int, int]]:
    """Spans whose figures are part of a name: 《...》 and short quotes without punctuation."""
    spans = [m.span() for m in re.finditer(r"《[^《》]{0,80}》|〈[^〈〉]{0,80}〉", text)]
    for start, end in quote_spans(text):
        inner = text[start + 1 : end - 1]
        if len(inner) <= 15 and not re.search(r"[，。；！？、,;!?]", inner):
            spans.append((start, end))
    return spans


def quote_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in re.finditer("[“「『‘]", text):
        close = text.find(QUOTES[m.group()], m.end(), m.end() + 60)
        if close != -1:
            spans.append((m.start(), close + 1))
    return spans


def inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < pos < e for s, e in spans)


def clause_start(text: str, lower: int, pos: int, quotes: list[tuple[int, int]]) -> int:
    i = pos - 1
    while i >= lower:
        # A closed parenthetical is part of the clause ("查询用户（银行）26037个", "503家（次）中小微企业").
        if text[i] in "）)" and (opening := max(text.rfind("（", lower, i), text.rfind("(", lower, i))) >= 0:
            i = opening - 1
            continue
        if text[i] in CLAUSE_DELIMS and not inside(i, quotes):
            return i + 1
        i -= 1
    return lower


def clause_end(text: str, pos: int, upper: int, quotes: list[tuple[int, int]]) -> int:
    for i in range(pos, upper):
        if text[i] in CLAUSE_DELIMS and not inside(i, quotes):
            return i
    return upper


def prefix_qualifiers(text: str, start: int, chinese: bool) -> tuple[int, list[str]]:
    table = PREFIX_QUALIFIERS + (CN_ONLY_PREFIX if chinese else ())
    found: list[str] = []
    pos = start
    for _ in range(2):
        j = pos
        while j > 0 and text[j - 1] in SPACES:
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


def suffix_qualifier(text: str, end: int, kind: str) -> tuple[int, str]:
    j = end
    while j < len(text) and text[j] in SPACES:
        j += 1
    k = j + 3 if text.startswith(("（含）", "(含)"), j) else j
    for word in SUFFIX_QUALIFIERS:
        if text.startswith(word, k):
            return k + len(word), word
    if kind == "duration" and end < len(text) and text[end] in DURATION_SUFFIXES:
        return end + 1, text[end]
    return end, ""


def _money_context(text: str, start: int, end: int) -> bool:
    clause = text[clause_start(text, max(0, start - 40), start, []) : start]
    after = text[end : end + 2]
    return any(cue in clause for cue in MONEY_CUES) or any(after.startswith(cue) for cue in MONEY_CUES)


def _digit_figure(text: str, m: re.Match, names: list[tuple[int, int]]) -> Figure | None:
    unit_core, mag = m.group("unit"), m.group("mag")
    if not unit_core and mag not in BARE_MAGNITUDES:
        return None
    start = m.start("lo") if m.group("lo") else m.start("num")
    end = max(m.end(g) for g in _PARTS if m.group(g) is not None)
    before, num = text[:start].rstrip(SPACES), m.group("num")
    ints = [len(n.split(".")[0]) for n in (num, m.group("lo")) if n]
    if (
        before.endswith("第")
        or (before and before[-1].isascii() and before[-1].isalpha())
        or re.search(rf"\d\s*[{RATIO_COLONS}]$", before)
        or re.match(rf"\s*[{RATIO_COLONS}]\s*\d", text[m.end("num") :])
        or text[start - 1 : start] == "+"
        or text[end : end + 1] == "+"
        or any(s <= start and end <= e for s, e in names)
        or (unit_core == "年" and (max(ints) >= 3 or re.match(r"\s*\d{1,2}\s*月", text[end:])))
        or (unit_core == "日" and before.endswith("月"))
        or (unit_core == "条" and before.endswith("经济"))
        or max(ints) >= 11
    ):
        return None
    unit = _unit_as_written(text[m.end("num") : end])
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
    figure = Figure(start, end, value, high, unit, multiplier, normalized_unit, kind)
    figure.qualifiers = _inner_qualifiers(m, text[m.end("num") : end])
    return figure


def _inner_qualifiers(m: re.Match, written: str) -> tuple[str, ...]:
    """余/多 between number and unit, including one inside the unit ("1个多月")."""
    inner = tuple(q for q in (m.group("i1"), m.group("i2")) if q)
    unit = m.group("unit") or ""
    return inner + tuple(q for q in "余多" if q in unit and q in written)


def _unit_as_written(text: str) -> str:
    """The unit without spaces and without inner 余/多, which live in ``qualifier`` ("万余条" -> "万条")."""
    return re.sub(f"[{SPACES}余多]", "", text)


def cn_value(numeral: str) -> Decimal | None:
    """The value of a Chinese numeral ("四十", "两", "一百二十"), None when cn2an cannot read it."""
    numeral = numeral.replace("两", "二").replace("〇", "零")
    if numeral[0] in "百千":
        numeral = "一" + numeral
    try:
        return Decimal(int(cn2an.cn2an(numeral, "normal")))
    except (ValueError, KeyError, IndexError):
        return None


def _cn_figure(text: str, m: re.Match, names: list[tuple[int, int]]) -> Figure | None:
    num, mag = m.group("num"), m.group("mag")
    inner = tuple(q for q in (m.group("i1"), m.group("i2")) if q)
    qualified = bool(inner or prefix_qualifiers(text, m.start(), chinese=True)[1])
    core_unit = normalize_unit(m.group("unit"))[1] if m.group("unit") else ""
    if not qualified and (
        num in ("一", "〇", "零")
        or num[0] in "百千"
        or mag
        or core_unit in ("次", "期")  # 二次创业, 三次产业, 平台二期
    ):
        return None  # 一个/一项 are articles; 千名/百家/万人 slogans
    before = text[: m.start()]
    if (
        before[-1:].isdigit()
        or before.endswith(("第", "每", "初", "统", "唯", "同", "万", "之"))
        or (core_unit == "条" and before.endswith("经济"))
        or any(s <= m.start() < e for s, e in names)
    ):
        return None
    value = cn_value(num)
    if value is None:
        return None
    unit = _unit_as_written(text[m.end("num") : m.end()])
    multiplier, normalized_unit, kind = normalize_unit(unit)
    if kind == "duration" and normalized_unit == "年" and value >= 1000:
        return None
    figure = Figure(m.start(), m.end(), value, None, unit, multiplier, normalized_unit, kind)
    figure.qualifiers = _inner_qualifiers(m, text[m.end("num") : m.end()])
    return figure


def digit_figures(text: str, names: list[tuple[int, int]]) -> list[Figure]:
    """Figures written with Arabic digits ("104.64万户", "3.92%-5.66%", "金额11.5亿")."""
    return [f for m in _FIGURE.finditer(text) if (f := _digit_figure(text, m, names))]


def cn_figures(text: str, names: list[tuple[int, int]]) -> list[Figure]:
    """Figures written with Chinese numerals ("七项", "四十余个", "近二成")."""
    return [f for m in _CN_FIGURE.finditer(text) if (f := _cn_figure(text, m, names))]
