"""Chinese text as full-text search words: pure Python (jieba), no Django.

A record's text and a query are segmented by the same function, so a query
finds a document exactly when every query word is one of the document's
words. The database only ever sees space-separated words:

* PostgreSQL's ``to_tsvector('simple', …)`` and FTS5's ``unicode61``
  tokenizer both split on the spaces and nothing else, because every word is a
  run of letters and digits (``[^\\W_]+``), lower-cased and NFKC-normalised
  (full-width ``ＡＢ１`` → ``ab1``);
* words are jieba's precise-mode words (HMM off, so an unknown run of
  characters is split into single characters the same way wherever it
  occurs) plus, for "search mode", every dictionary word inside a longer
  word (知识产权 → 知识, 产权, 知识产权), like ``cut_for_search`` but for
  sub-words of any length;
* policy terms jieba's general dictionary splits badly (无还本续贷 would be
  无/还/本/续/贷) are kept whole: ``DOMAIN_WORDS`` are cut out of the text
  before jieba sees it, everywhere, so they segment identically in a query and
  in a document (with their characters and inner words as words too).

The jieba dictionary is the process-wide one of ``segmentation.py`` (loaded
once, never modified: places and similarity rely on it as it is).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from .segmentation import tokenizer

# Enough for any real query (the search form caps q at 100 characters).
MAX_TERMS = 8
# Distinct blocks (runs of letters and digits between punctuation) kept segmented.
BLOCK_CACHE_SIZE = 50_000

# Policy words jieba's general dictionary splits badly or not at all.
DOMAIN_WORDS = (
    "无还本续贷", "续贷", "转贷", "还本", "过桥", "应急转贷", "融资难", "融资贵", "首贷", "信用贷",
    "亲清", "政商关系", "营商环境", "专精特新", "小巨人", "一网通办", "一件事", "免申即享", "工商联",
    "商会", "民营企业", "民营经济", "中小微企业", "知识产权", "企业开办",
)
_DOMAIN_SET = frozenset(DOMAIN_WORDS)
# Longest first: at one position the longest domain word wins (应急转贷 before 转贷).
_DOMAIN = re.compile("|".join(re.escape(w) for w in sorted(DOMAIN_WORDS, key=len, reverse=True)))
# A search word: letters and digits only (what unicode61 and PostgreSQL's parser keep together).
_WORD = re.compile(r"[^\W_]+")


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII, compatibility ideographs → unified) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _sub_words(word: str) -> list[str]:
    """Dictionary (or domain) words of two or more characters strictly inside ``word``.

    Shortest first, then left to right, as jieba's cut_for_search orders them.
    """
    if len(word) < 3:
        return []
    freq = tokenizer().FREQ
    found = []
    for size in range(2, len(word)):
        for start in range(len(word) - size + 1):
            gram = word[start:start + size]
            if gram in _DOMAIN_SET or freq.get(gram):
                found.append(gram)
    return found


def _expand(word: str) -> Iterator[str]:
    yield from _sub_words(word)
    yield word


def _expand_domain(word: str) -> Iterator[str]:
    # jieba would have split a domain word, possibly into single characters
    # (中小微企业 → 中小/微/企业): its characters are words too, so that a
    # query segmented without the domain word (小微 → 小/微) still finds it.
    yield from word
    yield from _expand(word)


def _segment(piece: str) -> Iterator[str]:
    for word in tokenizer().cut(piece, HMM=False):
        for part in _WORD.findall(word):
            yield from _expand(part)


@lru_cache(maxsize=BLOCK_CACHE_SIZE)
def _block_words(block: str) -> tuple[str, ...]:
    words: list[str] = []
    position = 0
    for match in _DOMAIN.finditer(block):
        words.extend(_segment(block[position:match.start()]))
        words.extend(_expand_domain(match.group()))
        position = match.end()
    words.extend(_segment(block[position:]))
    return tuple(words)


def search_words(text: str) -> list[str]:
    """The search-mode words of ``text``, in text order, sub-words before their word.

    The text is cut into blocks of letters and digits first (punctuation and
    spaces end a word in any case, and no domain word spans them); each block
    is segmented once per process (an LRU cache: generated data and repeated
    phrases cost nothing the second time).
    """
    words: list[str] = []
    for block in _WORD.findall(normalize(text)):
        words.extend(_block_words(block))
    return words


def search_document(text: str) -> str:
    """``text`` as one space-separated string of search words (what the database indexes)."""
    return " ".join(search_words(text))


def query_terms(q: str) -> list[str]:
    """The distinct search words of a query, in order; every one must match (AND).

    Punctuation and whitespace are dropped; single characters are dropped when
    the query has longer words (a lone 的 or 无 matches almost everything).
    At most MAX_TERMS words. A query of punctuation only gives [].
    """
    words = search_words(q)
    if any(len(w) > 1 for w in words):
        words = [w for w in words if len(w) > 1]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def fts5_query(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression requiring every term: ``"融资" AND "担保"``.

    Each term is a quoted string, so words such as AND, OR, NOT or NEAR are
    never operators. Empty for no terms.
    """
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def highlight_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping [start, end) spans of ``terms`` in ``text``, left to right.

    Case-insensitive; at one position the longest term wins (无还本续贷 rather
    than 续贷 inside it).
    """
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not text or not ordered:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text)]
