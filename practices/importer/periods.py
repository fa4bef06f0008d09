"""Period phrases ("截至2021年8月底", "2021年1-8月", "今年以来") that date a metric.

Pure standard library; no Django.  Used by :mod:`practices.importer.metrics`
for ``as_of`` and to strip a leading period from the text before a figure.
"""

from __future__ import annotations

import re

__all__ = ["AS_OF", "as_of_period"]

_DATE = r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号]|底|末|份|初|中旬|上旬|下旬)?|底|末|初)?"
_MD = r"\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号]|底|末|份|初|中旬|上旬|下旬)?"
AS_OF = re.compile(
    rf"(?:截至|截止到|截止至|截止)\s*(?:目前|今年(?:{_MD})?|{_DATE}|{_MD}|年底|年末)"
    rf"|(?<![\u4e00-\u9fff])至\s*(?:{_DATE}|{_MD})"
    r"|(?:自|从)?\d{4}\s*[-—~至]\s*\d{4}\s*年"
    r"|(?:自|从)?\d{4}\s*年\s*\d{1,2}\s*[-—~至]\s*\d{1,2}\s*月(?:末|底|份)?"
    r"|(?:自|从)?\d{4}\s*年\s*(?:上半年|下半年|前三季度|第?[一二三四1-4]季度|全年)"
    r"|\d{4}\s*年[\u4e00-\u9fff]{0,4}?至今"
    rf"|(?:自|从)?{_DATE}(?:以来|起|开始|至今|以前)?"
    r"|(?:今年|去年|本年|当年)(?:以来|上半年|下半年|前三季度|底|末|初)?"
    r"|截至目前|目前|至今|近年来|“?十[一二三四五]五”?(?:期间|以来)"
    r"|\d{1,2}\s*月(?:底|末)"
)
_PERIOD_MONTH = {"上半年": 6, "下半年": 12, "前三季度": 9, "一季度": 3, "1季度": 3, "二季度": 6,
                 "2季度": 6, "三季度": 9, "3季度": 9, "四季度": 12, "4季度": 12}


def as_of_period(text: str, lower: int, upper: int) -> tuple[str, int | None, int | None]:
    """The last period phrase of text[lower:upper] with its year and last month ("", None, None if none)."""
    found = list(AS_OF.finditer(text, lower, upper))
    if not found:
        return "", None, None
    as_of = found[-1].group()
    years = re.findall(r"(\d{4})\s*年", as_of)
    months = re.findall(r"(\d{1,2})\s*月", as_of)
    month = int(months[-1]) if months else None
    if month is None:
        month = next((v for k, v in _PERIOD_MONTH.items() if k in as_of), None)
    if month is None and re.search(r"年\s*[底末]", as_of):
        month = 12
    return as_of, int(years[-1]) if years else None, month
