"""Pinyin slugs for categories (places have theirs in places.py). No Django."""
from __future__ import annotations

import re

_NON_CJK = re.compile(r"[^\u4e00-\u9fff]")


def category_slug(name: str) -> str:
    """Slug from the last four characters of a category name, as two pinyin words.

    The category names are long sentences ("完善对民营企业全生命周期的政策服务");
    their last four characters name the theme ("政策服务" → "zhengce-fuwu"),
    which makes a short, readable, stable URL.
    """
    # Imported here: pypinyin's tables cost every web worker 56 MiB, and only loads make slugs.
    from pypinyin import lazy_pinyin

    chars = _NON_CJK.sub("", name)[-4:]
    if len(chars) < 4:
        return "-".join(lazy_pinyin(chars)) or "category"
    return "-".join("".join(lazy_pinyin(chars[i:i + 2])) for i in (0, 2))
