"""Template helpers for search results: ``{% load search_tags %}``.

::

    {% search_terms q as terms %}
    {{ practice.name|highlight:terms }}
    {{ entry.text|search_excerpt:terms }}

Both filters escape the text first and wrap the matched words in <mark>;
``terms`` may also be the query string itself (``|highlight:q``).
"""
from __future__ import annotations

from django import template

from ..search import highlight as highlight_text
from ..search import query_terms
from ..search import search_excerpt as excerpt_text

register = template.Library()


@register.simple_tag
def search_terms(q) -> list[str]:
    """The words of query ``q`` (what the search matched), for the filters below."""
    return query_terms(str(q or ""))


@register.filter
def highlight(text, terms):
    """``text`` escaped, with the search words ``terms`` in <mark>."""
    return highlight_text(text, terms)


@register.filter
def search_excerpt(text, terms):
    """About 120 characters of ``text`` around its first match, escaped and highlighted."""
    return excerpt_text(text, terms)
