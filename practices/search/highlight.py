"""Marking the search words in result text: whole-text highlighting and excerpts."""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..importer.search_text import highlight_spans, query_terms


def _terms(terms: Iterable[str] | str | None) -> list[str]:
    if terms is None:
        return []
    return query_terms(terms) if isinstance(terms, str) else list(terms)


def highlight(text, terms: Iterable[str] | str | None) -> SafeString:
    """``text`` HTML-escaped, with every occurrence of ``terms`` wrapped in <mark>.

    ``text`` is treated as plain text (markup in it is escaped, never
    trusted); ``terms`` are search words (``query_terms(q)``) or the query
    string itself. Case-insensitive; the longest term wins where terms
    overlap. Safe to render unescaped.
    """
    text = "" if text is None else str(text)
    pieces, position = [], 0
    for start, end in highlight_spans(text, _terms(terms)):
        pieces.append(escape(text[position:start]))
        pieces.append("<mark>" + escape(text[start:end]) + "</mark>")
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # every piece of text is escaped above


def search_excerpt(text, terms: Iterable[str] | str | None, *, width: int = 120) -> SafeString:
    """About ``width`` characters of ``text`` around its first match, highlighted; "…" marks cuts.

    The start of the text when nothing matches.
    """
    text = "" if text is None else str(text)
    spans = highlight_spans(text, _terms(terms))
    if len(text) <= width:
        return highlight(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 3, len(text) - width))
    end = start + width
    # Never cut a highlighted word in two.
    for s, e in spans:
        if s < start < e:
            start = s
        if s < end < e:
            end = e
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(escape(prefix) + highlight(text[start:end], terms) + escape(suffix))
