"""City, province and category pages: what each holds."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Category, City, Province


def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        overview = selectors.city_overview(slug=slug)
    except City.DoesNotExist as exc:
        raise Http404(_("没有这个城市")) from exc
    return render(request, "practices/city_detail.html", overview)


def province_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        overview = selectors.province_overview(slug=slug)
    except Province.DoesNotExist as exc:
        raise Http404(_("没有这个省份")) from exc
    return render(request, "practices/province_detail.html", overview)


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        overview = selectors.category_overview(slug=slug)
    except Category.DoesNotExist as exc:
        raise Http404(_("没有这个类别")) from exc
    return render(request, "practices/category_detail.html", overview)
