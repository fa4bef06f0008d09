"""The language comes from the URL: Chinese at the root, English under /en/ (catalogue/urls.py).

Django's LocaleMiddleware still adds ``Vary: Accept-Language`` to every
address without a language prefix, although with i18n_patterns and no
prefix for the default language those pages are always Chinese, and the
API, exports and feeds always speak the default language too. A Vary the
response does not depend on splits every shared cache (a CDN's, a
browser's) by each visitor's language header, so it is dropped here.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils.cache import cc_delim_re

__all__ = ["UrlLanguageMiddleware"]


class UrlLanguageMiddleware(LocaleMiddleware):
    """LocaleMiddleware without ``Vary: Accept-Language``: the URL alone names the language."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response = super().process_response(request, response)
        if response.has_header("Vary"):
            kept = [field for field in cc_delim_re.split(response["Vary"])
                    if field and field.strip().lower() != "accept-language"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
