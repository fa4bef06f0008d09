"""Why a record matched: the passage of a search hit that holds the query's words, with its place.

A practice's passage is the city entry holding most of the words; a case
report's is the paragraph holding most of them. Either is cut around its
first match and highlighted by ``search_excerpt`` (escaped first, then
wrapped in <mark>), so it is safe to render unescaped whatever the text or
the query holds.

No query here: the records come with what is read already loaded (a
practice's entries with their cities; a report's body, cities and province),
which the list pages and the API prefetch for the whole page at once.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import unescape

from django.utils.html import strip_tags
from django.utils.safestring import SafeString

from ..importer.search_text import highlight_spans, query_terms
from .highlight import search_excerpt

# Characters of context per excerpt: two lines on a phone, one and a half on a desktop.
EXCERPT_WIDTH = 120
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")


@dataclass(frozen=True)
class Excerpt:
    """A highlighted passage of one search hit and the place it speaks of (a City, a Province or None)."""

    html: SafeString
    place: object | None

    @property
    def text(self) -> str:
        """The passage as plain text (what the HTML shows, without the <mark> tags)."""
        return unescape(strip_tags(self.html))


def _score(text: str, terms: Sequence[str]) -> tuple[int, int]:
    """(distinct terms found, matches): the passage holding most of the query's words wins."""
    spans = highlight_spans(text, terms)
    if not spans:
        return 0, 0
    found = {text[start:end].lower() for start, end in spans}
    return len(found), len(spans)


def _best(passages: Iterable[tuple[str, object | None]], terms: Sequence[str]) -> tuple[str, object | None] | None:
    """The (text, place) with the best score, the earliest on a tie; None when no passage matches."""
    best, best_score = None, (0, 0)
    for text, place in passages:
        score = _score(text, terms)
        if score > best_score:
            best, best_score = (text, place), score
    return best


def practice_excerpt(practice, terms: Sequence[str], *, width: int = EXCERPT_WIDTH) -> Excerpt | None:
    """The entry of ``practice`` that best matches ``terms``, cut and highlighted, with its city.

    None when no entry holds a word of the query (the name alone matched).
    Reads ``practice.entries.all()`` with each entry's city: prefetch them.
    """
    if not terms:
        return None
    found = _best(((entry.text, entry.city) for entry in practice.entries.all()), terms)
    if found is None:
        return None
    text, city = found
    return Excerpt(html=search_excerpt(text, terms, width=width), place=city)


def _report_place(report, paragraph: str):
    """The report's city named in ``paragraph``, else its first city, else its province (or None)."""
    cities = list(report.cities.all())
    for city in cities:
        short = city.name.removesuffix("市")
        if short and short in paragraph:
            return city
    if cities:
        return cities[0]
    return report.province


def case_report_excerpt(report, terms: Sequence[str], *, width: int = EXCERPT_WIDTH) -> Excerpt | None:
    """The paragraph of ``report``'s body that best matches ``terms``, cut and highlighted, with its place.

    None when no paragraph holds a word of the query (the title alone matched).
    Reads ``report.body``, ``report.cities.all()`` and ``report.province``: load them.
    """
    if not terms:
        return None
    paragraphs = [block.strip() for block in _PARAGRAPH_BREAK.split(report.body or "") if block.strip()]
    found = _best(((paragraph, None) for paragraph in paragraphs), terms)
    if found is None:
        return None
    paragraph = found[0]
    return Excerpt(html=search_excerpt(paragraph, terms, width=width), place=_report_place(report, paragraph))


def attach_excerpts(records: Iterable, *, q: str | None, excerpt) -> list:
    """``records`` as a list, each with ``search_excerpt`` set (an Excerpt or None) for the query ``q``.

    ``excerpt`` is ``practice_excerpt`` or ``case_report_excerpt``; without a
    query every record's excerpt is None. The query is segmented once.
    """
    records = list(records)
    terms = query_terms(q) if q else []
    for record in records:
        record.search_excerpt = excerpt(record, terms) if terms else None
    return records
