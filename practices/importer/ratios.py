"""Ratios ("按1：1出资", "三方以6：2：2比例分担", "1∶1配套", "1比1") as figures of kind ``ratio``.

Pure Python; no Django, no floats.  How a ratio is stored (a judgement call;
the Metric fields are value/unit as written plus a normalized value/unit):

* ``raw`` is the ratio as written ("6：2：2", "1∶1"); ``value`` its first term
  (6), ``high`` None.
* ``unit`` is the rest of the ratio with colons written ":" and no spaces
  (":2:2", ":1"), so value + unit still spell the ratio.
* ``normalized_value`` is the first term divided by the last, i.e. the ratio
  written "x:…:1" (6：2：2 -> 3, 1:3 -> 0.3333, 1:1 -> 1): a Decimal, rounded
  half-even to 4 places when the division does not end (the Metric field keeps
  4 decimal places).
* ``normalized_unit`` is the middle terms divided by the last, then ":1"
  (":1", ":1:1", ":2:1").  Ratios share a normalized unit only when they have
  the same shape, so a chart never puts 1:1 next to 6:2:2.

Not ratios:

* clock times: 2 or 3 terms whose later terms are exactly two digits and whose
  first has at most two digits and is at most 24 ("8:30", "9:00-17:30",
  "08:30:00"), unless the clause says 比例/比率/配比/之比 ("1:10的比例") or
  按 comes right before ("按1:20放大");
* scores: a clause with 比分, 战胜, 击败, 比赛 ...;
* a colon after a label ("目标1：10万户"): the last term is followed by a
  magnitude or a unit;
* terms with a leading zero ("1:05"), a term of 0, more than 8 integer digits,
  more than 4 terms, version numbers after Latin letters ("ISO 9001:2015"),
  terms glued to other digits, letters or a decimal point, and ratios inside
  names (《》 or a short quotation without punctuation), like other figures.

Ratios in Chinese numerals ("一比一", "三比二比一") need 比 between the terms
(a colon between Chinese numerals is a list label), at most three characters
per term, a cue (按/以/按照 right before, 比例/配比 in the clause, or 配套/出资/
分担/匹配 right after, since "一比一般" is not a ratio), and the same exclusions; ``unit`` spells the later terms in digits
(":1"), ``raw`` keeps the numerals.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from practices.importer.figures import (
    CLAUSE_DELIMS,
    RATIO_COLONS,
    Figure,
    cn_value,
    inside,
    normalize_value,
)
from practices.importer.units import unit_pattern

__all__ = ["ratio_figures"]

_SP = r"[ \u3000\u00a0]*"
_TERM = r"[0-9]+(?:\.[0-9]+)?"
_SEP = rf"{_SP}(?:[{RATIO_COLONS}]|比){_SP}"
_RATIO = re.compile(
    rf"(?<![0-9.A-Za-z{RATIO_COLONS}])(?P<first>{_TERM})(?P<rest>(?:{_SEP}{_TERM}){{1,3}})"
    rf"(?![0-9A-Za-z]|\.[0-9]|{_SEP}[0-9])"
)
_TERMS = re.compile(_TERM)
_CN_TERM = "[一二两三四五六七八九十]{1,3}"
_CN_RATIO_VERBS = ("配套", "出资", "分担", "匹配", "配比", "的比例", "比例")
_CN_RATIO = re.compile(
    rf"(?<![〇零一二两三四五六七八九十百千万亿第每])(?P<first>{_CN_TERM})(?P<rest>(?:比{_CN_TERM}){{1,3}})"
    r"(?![〇零一二两三四五六七八九十百千万亿])"
)
_UNIT_AFTER = re.compile(rf"{_SP}(?:万|亿|千|百|{unit_pattern()})")
_RATIO_CUES = re.compile("比例|比率|配比|之比|比值")
_SCORE_CUES = re.compile("比分|战胜|击败|打败|获胜|负于|比赛|赛季|决赛|半场")
_PLACES = Decimal("0.0001")


def _per_last(term: Decimal, last: Decimal) -> Decimal:
    """term / last, rounded to 4 places only when the division does not end there."""
    return normalize_value((term / last).quantize(_PLACES, rounding=ROUND_HALF_EVEN), Decimal(1))


def _clause(text: str, start: int, end: int) -> str:
    """The clause around text[start:end], the ratio itself left out (its colons are not clause breaks)."""
    left = start
    while left > 0 and text[left - 1] not in CLAUSE_DELIMS:
        left -= 1
    right = end
    while right < len(text) and text[right] not in CLAUSE_DELIMS:
        right += 1
    return text[left:start] + " " + text[end:right]


def _is_clock_time(terms: list[str], separators: str) -> bool:
    if not 2 <= len(terms) <= 3 or "比" in separators:
        return False
    first = terms[0]
    return (
        "." not in first
        and len(first) <= 2
        and int(first) <= 24
        and all(re.fullmatch(r"[0-9]{2}", t) for t in terms[1:])
    )


def _ratio(text: str, m: re.Match, names: list[tuple[int, int]]) -> Figure | None:
    start, end = m.span()
    written = m.group()
    if m.re is _CN_RATIO:
        values = [cn_value(t) for t in written.split("比")]
        if any(v is None for v in values):
            return None
        terms, separators = [str(v) for v in values], "比" * (len(values) - 1)
        cued = (
            text[:start].rstrip(" ").endswith(("按", "以", "按照"))
            or _RATIO_CUES.search(_clause(text, start, end))
            or text.startswith(_CN_RATIO_VERBS, end)
        )
        if not cued:
            return None
    else:
        terms, separators = _TERMS.findall(written), _TERMS.sub("", written)
    clause = _clause(text, start, end)
    if (
        any(t != "0" and t.startswith("0") and not t.startswith("0.") for t in terms)
        or any(len(t.split(".")[0]) > 8 for t in terms)
        or any(Decimal(t) == 0 for t in terms)
        or re.search(rf"[A-Za-z/]{_SP}$", text[:start])
        or text[:start].rstrip(" ").endswith("第")
        or _UNIT_AFTER.match(text, end)
        or _SCORE_CUES.search(clause)
        or (
            _is_clock_time(terms, separators)
            and not _RATIO_CUES.search(clause)
            and not text[:start].rstrip(" ").endswith("按")
        )
        or any(s <= start and end <= e for s, e in names)
        or inside(start, names)
    ):
        return None
    values = [Decimal(t) for t in terms]
    last = values[-1]
    unit = "".join(":" + t for t in terms[1:])
    normalized_unit = "".join(f":{_per_last(v, last)}" for v in values[1:-1]) + ":1"
    if len(unit) > 20 or len(normalized_unit) > 20:
        return None
    return Figure(
        start=start,
        end=end,
        value=values[0],
        high=None,
        unit=unit,
        multiplier=Decimal(1),
        normalized_unit=normalized_unit,
        kind="ratio",
        normalized=_per_last(values[0], last),
    )


def ratio_figures(text: str, names: list[tuple[int, int]]) -> list[Figure]:
    """The ratios of ``text`` in text order (see the module docstring for the rules)."""
    matches = sorted([*_RATIO.finditer(text), *_CN_RATIO.finditer(text)], key=lambda m: m.start())
    return [f for m in matches if (f := _ratio(text, m, names))]
