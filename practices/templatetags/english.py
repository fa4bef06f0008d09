"""English rendering of the catalogue's Chinese figures: units, qualifiers, as-of dates, category names.

``{% load english %}``. On Chinese pages every filter returns its input
unchanged. On English pages:

* ``unit_label`` maps units of measure to English (元 → yuan, 个月 → months,
  人次 → person-times). Chinese *measure words* (家, 个, 项, 户, 条 …) are not
  units: the noun they count is in the metric's label (家 counts firms, banks
  or associations alike), so guessing "firms" would be wrong. They are kept,
  in Chinese, in parentheses: "44 (家)". That is the documented rule.
* ``qualifier_label`` turns 余/多/超 into "more than"/"over", 约 into "about",
  近 into "nearly", 以上 into "or more" …; several (约,余) are joined.
* ``as_of_label`` turns "截至2021年7月" into "as of July 2021", "2021年1-8月"
  into "January–August 2021", "目前" into "to date" …
* ``zh`` wraps text that stays Chinese in ``<span lang="zh-Hans">`` so that
  an ``<html lang="en">`` page is correct (text is escaped first).

What no rule covers comes back unchanged and is wrapped by ``zh_if_untranslated``;
the English wording is in the tables below, not in gettext: these are rules that
map Chinese data onto English, only ever used on English pages, so a msgid
(Chinese) → msgstr (English) catalogue would only repeat them.
"""
from __future__ import annotations

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


def english() -> bool:
    return (get_language() or "").startswith("en")


# Units of measure (normalized units of practices.importer.units) and their English names.
UNITS = {
    "元": "yuan", "美元": "US dollars", "%": "%", "‰": "‰", "个百分点": "percentage points", "%/日": "% per day",
    "年": "years", "个月": "months", "天": "days", "日": "days", "工作日": "working days", "小时": "hours",
    "分钟": "minutes", "平方米": "m²", "公里": "km", "亩": "mu", "倍": "times", "人": "people", "名": "people",
    "位": "people", "人次": "person-times", "次": "times", "场": "events", "场次": "events", "届": "editions",
    "轮": "rounds",
}
QUALIFIERS = {
    "余": "more than", "多": "over", "超": "over", "超过": "over", "过": "over", "突破": "over", "破": "over",
    "近": "nearly", "约": "about", "达": "as many as", "达到": "reaching", "以上": "or more", "不少于": "at least",
    "不超过": "at most", "最高": "up to", "内": "within", "之内": "within", "以内": "within",
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def unit_english(unit: str) -> tuple[str, bool]:
    """(label, translated): the English unit, or the measure word in parentheses (not translated)."""
    if not unit or unit.startswith(":"):
        return unit, True  # no unit, or a ratio's tail (":1") that reads the same in English
    if unit in UNITS:
        return UNITS[unit], True
    return f"({unit})", False


def qualifier_english(qualifier: str) -> tuple[str, bool]:
    parts = [part for part in qualifier.split(",") if part]
    if not parts or any(part not in QUALIFIERS for part in parts):
        return qualifier, not parts
    return ", ".join(QUALIFIERS[part] for part in parts), True


_YEAR = r"(\d{4}) ?年"
_MONTH = r"(\d{1,2}) ?月"
# (pattern, English template): the groups are years, months and days, in order.
_AS_OF = [
    (rf"截至{_YEAR} ?{_MONTH}(?:底|末)", "as of the end of {month} {year}"),
    (rf"截至{_YEAR} ?{_MONTH}", "as of {month} {year}"),
    (rf"截至{_MONTH}(?:底|末)", "as of the end of {month}"),
    (rf"截至{_MONTH}(\d{{1,2}})日", "as of {day} {month}"),
    (rf"(?:至|到){_MONTH}(?:底|末)", "to the end of {month}"),
    (rf"{_MONTH}(?:底|末)", "end of {month}"),
    (rf"截至{_YEAR}(?:底|末)", "as of the end of {year}"),
    (rf"{_YEAR}(\d{{1,2}})-(\d{{1,2}})月(?:底|末)?", "{month}–{month2} {year}"),
    (rf"{_YEAR}{_MONTH}(\d{{1,2}})(?:日|号)", "{day} {month} {year}"),
    (rf"{_YEAR}{_MONTH}(?:底|末)", "end of {month} {year}"),
    (rf"{_YEAR}{_MONTH}", "{month} {year}"),
    (r"(\d{4})-(\d{4})年", "{year}–{year2}"),
    (rf"(?:自|从)?{_YEAR}以前", "before {year}"),
    (rf"{_YEAR}上半年", "first half of {year}"),
    (rf"{_YEAR}下半年", "second half of {year}"),
    (rf"(?:自|从)?{_YEAR}(?:以来|开始|至今|实施至今)?", None),  # resolved below: "since" or the bare year
    (r"截至目前|目前|至今", "to date"),
    (r"今年以来", "since the start of this year"),
    (r"今年上半年", "first half of this year"),
    (r"今年", "this year"),
    (r"去年底|去年末", "end of last year"),
    (r"去年", "last year"),
    (r"当年", "that year"),
    (r"近年来", "in recent years"),
    (r"“十三五”期间", "during the 13th Five-Year Plan (2016–2020)"),
    (r"“十三五”以来", "since the 13th Five-Year Plan (2016)"),
]
_AS_OF = [(re.compile(rf"^{pattern}$"), english) for pattern, english in _AS_OF]


def as_of_english(text: str) -> tuple[str, bool]:
    """(English, translated) for a metric's as-of phrase; unknown phrases come back unchanged."""
    phrase = re.sub(r"\s+", "", text or "")
    if not phrase:
        return "", True
    for pattern, template_text in _AS_OF:
        found = pattern.match(phrase)
        if not found:
            continue
        if template_text is None:
            year = found.group(1)
            since = phrase.startswith(("自", "从")) or phrase.endswith(("以来", "开始", "至今"))
            return (f"since {year}" if since else year), True
        numbers = [int(group) for group in found.groups() if group]
        values = {}
        years = [n for n in numbers if n >= 1000]
        small = [n for n in numbers if n < 1000]
        if years:
            values["year"] = years[0]
        if len(years) > 1:
            values["year2"] = years[1]
        if "{day}" in template_text:
            # Year, month, day in the text: the day is the last small number.
            values["day"], small = small[-1], small[:-1]
        if small:
            values["month"] = MONTHS[small[0] - 1]
        if len(small) > 1:
            values["month2"] = MONTHS[small[1] - 1]
        return template_text.format(**values), True
    return text, False


def _zh_span(text: str):
    return format_html('<span lang="zh-Hans">{}</span>', text)


@register.filter
def zh(text):
    """Text that stays Chinese on an English page, marked ``lang="zh-Hans"`` (escaped); as is on Chinese pages."""
    if text in (None, "") or not english():
        return text
    return _zh_span(str(text))


@register.filter
def unit_label(unit):
    if not english():
        return unit or ""
    label, translated = unit_english(unit or "")
    return label if translated else _zh_span(label)


@register.filter
def qualifier_label(qualifier):
    if not english():
        return qualifier or ""
    label, translated = qualifier_english(qualifier or "")
    return label if translated else _zh_span(label)


@register.filter
def as_of_label(text):
    if not english():
        return text or ""
    label, translated = as_of_english(text or "")
    return label if translated else _zh_span(label)


@register.filter
def category_name(category) -> str:
    """A category's name for the current language: its curated ``name_en`` on English pages when set."""
    if category is None:
        return ""
    return category.display_name()


@register.filter
def category_lang(category) -> str:
    """``lang="zh-Hans"`` for an element holding a category name that stays Chinese on an English page."""
    if category is not None and english() and not category.name_en:
        return mark_safe(' lang="zh-Hans"')  # a constant: nothing to escape
    return ""


@register.simple_tag
def zh_lang():
    """`` lang="zh-Hans"`` on an English page (for an element whose content stays Chinese), else nothing."""
    return mark_safe(' lang="zh-Hans"') if english() else ""  # a constant: nothing to escape
