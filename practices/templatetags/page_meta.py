"""``{% capture name %}…{% endcapture %}``: render a part of a template once, use it several times.

base.html wraps its ``title`` and ``description`` blocks in it, so each page
states its title and description once and they reach ``<title>``, the meta
description and the Open Graph tags alike.
"""

from __future__ import annotations

import html
import re

from django import template
from django.utils.html import strip_tags

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: template.Context) -> str:
        # Plain text, unescaped: the places that print it escape it again for their own context (an
        # attribute, the title), so a "&" in a title is neither lost nor escaped twice.
        text = html.unescape(strip_tags(self.nodelist.render(context)))
        context[self.name] = re.sub(r"\s+", " ", text).strip()
        return ""


@register.tag
def capture(parser: template.base.Parser, token: template.base.Token) -> CaptureNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("usage: {% capture name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[1])


@register.simple_tag(takes_context=True)
def language_versions(context: template.Context) -> list[dict]:
    """This page in each language: ``code``, ``name`` (in its own language), ``url``, ``current``.

    Feeds the language switch (plain links: no form, so no CSRF token and the page stays
    cacheable) and the ``hreflang`` alternates. The query string is kept.
    """
    from django.conf import settings
    from django.utils.translation import get_language, get_language_info

    request = context.get("request")
    current = get_language()
    # base.html asks twice (the alternates in <head>, the switch): one answer per request and language.
    memo = getattr(request, "language_versions_memo", None) if request is not None else None
    if memo is not None and current in memo:
        return memo[current]
    path = request.get_full_path() if request is not None else "/"
    origin = _origin(request)
    versions = []
    for code in dict(settings.LANGUAGES):
        url = _in_language(path, code)
        versions.append({
            "code": code, "name": get_language_info(code)["name_local"], "current": code == current,
            "absolute_url": origin + url, "url": url,
            # BCP 47 as browsers and search engines write it (Django's code is lower case).
            "hreflang": "zh-Hans" if code == "zh-hans" else code,
        })
    if request is not None:
        request.language_versions_memo = {**(memo or {}), current: versions}
    return versions


def _origin(request) -> str:
    """``scheme://host`` of the request, or "" when the host is not allowed (the 400 page renders then)."""
    from django.core.exceptions import DisallowedHost

    if request is None:
        return ""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return ""


def _in_language(path: str, code: str) -> str:
    """``path`` in language ``code``; an address no view resolves (a 404 page) just gains or loses /en/."""
    from django.conf import settings
    from django.urls import translate_url
    from django.utils.translation import get_language_from_path

    translated = translate_url(path, code)
    if translated != path or get_language_from_path(path) == code:
        return translated
    current = get_language_from_path(path)
    bare = path[len(current) + 1:] if current else path
    return bare if code == settings.LANGUAGE_CODE else f"/{code}{bare}"
