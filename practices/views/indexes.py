"""Discovery: the category, city and province indexes, robots.txt, the favicon and the API documentation."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from ..selectors.api_reference import api_reference
from ..selectors.places import category_index, city_index, province_index


def categories(request: HttpRequest) -> HttpResponse:
    """/categories/: the seven categories with their published practices. One query."""
    return render(request, "practices/category_index.html", {"categories": category_index()})


def cities(request: HttpRequest) -> HttpResponse:
    """/cities/: the cities that reported practices or appear in case reports, with counts. One query."""
    rows = city_index()
    return render(
        request,
        "practices/city_index.html",
        {
            "cities": rows,
            "reporting": sum(1 for city in rows if city.practice_count),
        },
    )


def provinces(request: HttpRequest) -> HttpResponse:
    """/provinces/: provinces with practices (through their cities) or case reports, with counts. One query."""
    return render(request, "practices/province_index.html", {"provinces": province_index()})


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public site, not the admin; the sitemap lists every public page."""
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        # The language switch is a POST that only sets a cookie: nothing to index.
        "Disallow: /i18n/",
        "Allow: /",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own: to the (hashed, long-cached) static file."""
    # Not permanent: the hashed name changes with the file.
    return redirect(static("practices/favicon.ico"))


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """/api/docs/: the API reference, server-rendered from the OpenAPI schema (no script, no CDN)."""
    return render(request, "practices/api_docs.html", {"groups": api_reference()})
