"""Pinyin slugs for categories (places have theirs in places.py). No Django."""
from __future__ import annotations

import re

from pypinyin import lazy_pinyin

_NON_CJK = re.compile(r"[^\u4e00-\u9fff]")


def category_slug(name: str) -> str:
    """Slug from the last four characters of a category name, as two pinyin words.

    The category names are long sentences ("完善对民营企业全生命周期的政策服务");
    their last four characters name the theme ("政策服务" → "zhengce-fuwu"),
    which makes a short, readable, stable URL.
    """
    chars = _NON_CJK.sub("", name)[-4:]
    if len(chars) < 4:
        return "-".join(lazy_pinyin(chars)) or "category"
    return "-".join("".join(lazy_pinyin(chars[i:i + 2])) for i in (0, 2))
