"""Resolving URL parameters to records, and naming places in the current language.

Lookups accept what people type: a category by number, slug or name; a city
by slug or by Chinese name with or without 市; a province by slug or name with
or without 省/市. Each returns the record or None, in one query, or none
inside an anonymous request that already resolved the same text at the same
catalogue revision (practices/revision_memo.py).
"""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import get_language

from ..models import Category, City, Province
from ..revision_memo import revision_memo

# Digits beyond this are no category or practice number (and would overflow an integer column).
MAX_DIGITS = 6


def _first_by_priority(candidates, priorities):
    """The first candidate matching the earliest predicate in ``priorities``."""
    candidates = list(candidates)
    for matches in priorities:
        for candidate in candidates:
            if matches(candidate):
                return candidate
    return None


def category_lookup(value: str) -> Category | None:
    """The category ``value`` names (see ``_category_found``); remembered for the request's catalogue revision."""
    return revision_memo("lookup:category", value or "", lambda: _category_found(value))


def _category_found(value: str) -> Category | None:
    """The Category numbered, slugged or named ``value``; None if there is none."""
    value = (value or "").strip()
    if not value:
        return None
    condition = Q(slug=value.lower()) | Q(name=value)
    # isdigit() alone accepts "²", which int() rejects (found by fuzzing).
    if value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS:
        condition |= Q(number=int(value))
    return Category.objects.filter(condition).first()


def city_lookup(value: str) -> City | None:
    """The city ``value`` names (see ``_city_found``); remembered for the request's catalogue revision."""
    return revision_memo("lookup:city", value or "", lambda: _city_found(value))


def _city_found(value: str) -> City | None:
    """The City with slug ``value`` or Chinese name ``value`` (市 optional); None if there is none.

    A slug wins over a name; among homonyms the first in gazetteer order wins.
    """
    value = (value or "").strip()
    if not value:
        return None
    names = {value, value.removesuffix("市") + "市"}
    candidates = City.objects.select_related("province").filter(Q(slug=value.lower()) | Q(name__in=names))
    return _first_by_priority(candidates, [lambda c: c.slug == value.lower(), lambda c: c.name in names])


PROVINCE_SUFFIXES = ("省", "市", "自治区")


def province_lookup(value: str) -> Province | None:
    """The province ``value`` names (see ``_province_found``); remembered for the request's catalogue revision."""
    return revision_memo("lookup:province", value or "", lambda: _province_found(value))


def _province_found(value: str) -> Province | None:
    """The Province with slug ``value`` or name ``value`` (省/市/自治区 optional); None if there is none."""
    value = (value or "").strip()
    if not value:
        return None
    stem = value
    for suffix in PROVINCE_SUFFIXES:
        stem = stem.removesuffix(suffix)
    names = {value, stem, *(stem + suffix for suffix in PROVINCE_SUFFIXES)}
    candidates = Province.objects.filter(Q(slug=value.lower()) | Q(name__in=names))
    return _first_by_priority(candidates, [lambda p: p.slug == value.lower(), lambda p: p.name in names])


def place_label(place: City | Province | None) -> str:
    """A city's or province's name for the current language: pinyin in English, else Chinese."""
    if place is None:
        return ""
    if (get_language() or "").startswith("en") and place.pinyin:
        return place.pinyin
    return place.name
