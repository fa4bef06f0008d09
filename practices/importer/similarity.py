"""Suggest related typical practices and themes (categories) for case reports.

Pure Python (jieba + scikit-learn), no Django: callers pass plain strings and
integer keys, and get plain lists back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from sklearn.feature_extraction.text import TfidfVectorizer

from .segmentation import tokenizer

__all__ = ["STOP_WORDS", "suggest_categories", "suggest_related", "tokenize"]

#: Function words, plus the few content words that occur in virtually every
#: text of this corpus (民营/企业/工作 ...) and so only add noise to the cosine.
STOP_WORDS: frozenset[str] = frozenset(
    "的 地 得 了 着 过 和 与 及 以及 或 或者 并 并且 而 而且 等 等等 之 其 "
    "在 是 为 为了 对 对于 将 把 被 从 由 向 于 以 以来 通过 按照 根据 "
    "也 又 都 还 就 均 已 已经 更 更加 最 不断 进一步 切实 积极 "
    "这 这些 那 该 此 各 各类 各级 一个 一批 一些 有 有关 相关 "
    "中 上 下 内 后 前 年 月 日 个 家 项 名 次 余 多 万 亿 "
    "我们 他们 全 全市 全省 市 省 县 区 "
    "企业 民营企业 民企 民营 工作 开展 推进 推动 实施 建立 加强".split()
)

_QUANT = Decimal("0.0001")
ONE_THIRD = Decimal(1) / 3  # default min_share of suggest_categories
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A single line break between two CJK characters is a column wrap, not a
# boundary: PDF/newspaper extracts cut words there ("极\n简化").
_WRAP = re.compile(rf"(?<=[{_CJK}])[ \t]*\r?\n[ \t]*(?=[{_CJK}])")

def _jieba():
    """The process-wide jieba tokenizer (segmentation.py loads it once)."""
    return tokenizer()


def _is_word(token: str) -> bool:
    """True if the token holds at least one letter (CJK characters are letters).

    This drops whitespace, punctuation, symbols and numbers (``2021``, ``0.5``,
    ``16.22%``) in one test.
    """
    return any(unicodedata.category(ch).startswith("L") for ch in token)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into jieba words (precise mode), in text order.

    Column wraps between CJK characters are undone first; Latin letters are
    lower-cased; tokens without a letter and :data:`STOP_WORDS` are dropped.
    Returns a list of ``str`` (possibly empty).
    """
    text = _WRAP.sub("", text).lower()
    words = (w.strip() for w in _jieba().cut(text, cut_all=False))
    return [w for w in words if w and w not in STOP_WORDS and _is_word(w)]


def _to_decimal(score: float) -> Decimal:
    clamped = min(max(float(score), 0.0), 1.0)
    return Decimal(repr(clamped)).quantize(_QUANT, rounding=ROUND_HALF_UP)


def suggest_related(
    documents: Sequence[str],
    candidates: Sequence[tuple[int, str]],
    *,
    top: int = 5,
) -> list[list[tuple[int, Decimal]]]:
    """Rank ``candidates`` (key, text) by similarity to each of ``documents``.

    One TF-IDF model (jieba tokens, sublinear tf, l2 norm) is fitted on the
    candidate texts and the documents together, so the scores of a document
    depend on the whole batch (through IDF) but not on its order.

    Returns one list per document, in document order: up to ``top`` tuples
    ``(candidate key, cosine score)``, the score a ``Decimal`` in [0, 1]
    rounded half-up to 4 places; best first, equal (rounded) scores by
    ascending key. Candidates scoring 0.0000 are left out, so a document that
    shares no word with any candidate gets ``[]``.
    Raises ``ValueError`` on duplicate candidate keys or ``top < 1``.
    """
    if top < 1:
        raise ValueError("top must be at least 1")
    keys = [key for key, _ in candidates]
    if len(set(keys)) != len(keys):
        raise ValueError("candidate keys must be unique")
    if not documents:
        return []
    if not candidates:
        return [[] for _ in documents]

    texts = [text for _, text in candidates] + list(documents)
    vectorizer = TfidfVectorizer(
        tokenizer=tokenize,
        token_pattern=None,
        lowercase=False,
        sublinear_tf=True,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary: no text holds a single word
        return [[] for _ in documents]
    cand, docs = matrix[: len(keys)], matrix[len(keys) :]
    scores = (docs @ cand.T).toarray()  # rows are l2-normalised: cosine

    result: list[list[tuple[int, Decimal]]] = []
    for row in scores:
        ranked = sorted(
            ((key, _to_decimal(s)) for key, s in zip(keys, row, strict=True)),
            key=lambda item: (-item[1], item[0]),
        )
        result.append([item for item in ranked[:top] if item[1] > 0])
    return result


def suggest_categories(
    documents: Sequence[str],
    related: Sequence[Sequence[tuple[int, Decimal]]],
    practice_category: Mapping[int, int],
    *,
    min_share: Decimal = ONE_THIRD,
    max_categories: int = 3,
) -> list[list[int]]:
    """Suggest themes (category keys) for each document from its related practices.

    Rule ("score-weighted vote"): each related practice votes for its category
    with its similarity score; a category's share is its votes divided by the
    document's total. The best category is always kept; any other is kept if
    its share is at least ``min_share``, at most ``max_categories`` in all,
    best share first, ties by ascending category key. A document without
    related practices (or only zero scores) gets ``[]``: no evidence, no theme.

    The default ``min_share`` of 1/3 means a second theme must carry a third
    of the evidence (e.g. two of five comparable matches, or one strong one),
    so at most three themes can qualify, and a document whose matches spread
    thinly over many categories gets only its best one.

    ``documents`` is only used to check that ``related`` has one entry per
    document. Returns one list of category keys per document, in order.
    Raises ``ValueError`` on a length mismatch, ``KeyError`` if a practice is
    missing from ``practice_category``.
    """
    if len(documents) != len(related):
        raise ValueError("related must hold one list per document")
    if max_categories < 1:
        raise ValueError("max_categories must be at least 1")

    result: list[list[int]] = []
    for items in related:
        votes: dict[int, Decimal] = {}
        for key, score in items:
            if key not in practice_category:
                raise KeyError(f"practice {key} has no category")
            category = practice_category[key]
            votes[category] = votes.get(category, Decimal(0)) + Decimal(score)
        total = sum(votes.values(), Decimal(0))
        if total <= 0:
            result.append([])
            continue
        ranked = sorted(votes.items(), key=lambda item: (-item[1], item[0]))
        chosen = [ranked[0][0]]
        chosen += [c for c, v in ranked[1:] if v >= min_share * total]
        result.append(chosen[:max_categories])
    return result
