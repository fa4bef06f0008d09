"""Public pages (server-rendered). Reads go through selectors."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import CaseReport, Category, City, Practice, Province


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "practices/home.html", {"groups": selectors.category_list_with_practices()})


def practice_detail(request: HttpRequest, number: int) -> HttpResponse:
    try:
        practice = selectors.practice_get(number=number)
    except Practice.DoesNotExist as exc:
        raise Http404("没有这个典型做法") from exc
    return render(request, "practices/practice_detail.html", {"practice": practice})


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    practices = selectors.practice_published_list().in_category(category)
    return render(request, "practices/place_detail.html", {"title": str(category), "practices": practices})


def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(City.objects.select_related("province"), slug=slug)
    practices = selectors.practice_published_list().in_city(city)
    return render(request, "practices/place_detail.html", {"title": city.name, "practices": practices})


def province_detail(request: HttpRequest, slug: str) -> HttpResponse:
    province = get_object_or_404(Province, slug=slug)
    practices = selectors.practice_published_list().in_province(province)
    return render(request, "practices/place_detail.html", {"title": province.name, "practices": practices})


def case_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(CaseReport.objects.published().select_related("province", "source"), pk=pk)
    return render(request, "practices/case_report_detail.html", {"report": report})
