"""Suggest related typical practices and themes (categories) for case reports.

Pure Python (jieba + scikit-learn), no Django: callers pass plain strings and
integer keys, and get plain lists back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .segmentation import tokenizer

__all__ = [
    "CATEGORY_BONUS",
    "HUB_WEIGHT",
    "MAX_DOCUMENTS_PER_CANDIDATE",
    "STOP_WORDS",
    "suggest_categories",
    "suggest_related",
    "tokenize",
]

#: Function words, plus the few content words that occur in virtually every
#: text of this corpus (民营/企业/工作 ...) and so only add noise to the cosine.
STOP_WORDS: frozenset[str] = frozenset(
    "的 地 得 了 着 过 和 与 及 以及 或 或者 并 并且 而 而且 等 等等 之 其 "
    "在 是 为 为了 对 对于 将 把 被 从 由 向 于 以 以来 通过 按照 根据 "
    "也 又 都 还 就 均 已 已经 更 更加 最 不断 进一步 切实 积极 "
    "这 这些 那 该 此 各 各类 各级 一个 一批 一些 有 有关 相关 "
    "中 上 下 内 后 前 年 月 日 个 家 项 名 次 余 多 万 亿 "
    "我们 他们 全 全市 全省 市 省 县 区 "
    "企业 民营企业 民企 民营 工作 开展 推进 推动 实施 建立 加强 "
    # Domain words that every report and most practices use (checked on the
    # 14 case reports and 72 practices): they made generic practices such as
    # P64 rank for everything.
    "服务 发展 工商联 商会 政策 问题 机制 建设 提供 支持 提升 加快 创新 平台 "
    "经济 民营经济 中小企业 小微企业 中小微企业 活动 组织 部门 政府 实现 帮助 "
    "促进 落实 有效 重要 提高 做好 成立 全国 万元 亿元 截至 目前 今年 去年 "
    "其中 累计 共 达到 主要 加大 着力 持续 深化 全面 一批 高质量 质量 能力 水平".split()
)

_QUANT = Decimal("0.0001")
ONE_THIRD = Decimal(1) / 3  # default min_share of suggest_categories
#: How much of a practice's mean similarity to the *other* documents of the
#: batch is taken off its score: a practice that matches every report (P64
#: 畅通政府与企业家的常态化沟通机制 did, through generic words) says little
#: about any one of them.
HUB_WEIGHT = 0.5
#: Bonus, as a share of the document's best cosine, for a practice whose
#: category is the one the document is most similar to (scaled down for less
#: similar categories), so that a report about finance prefers finance practices.
CATEGORY_BONUS = 0.2
#: No practice may be suggested for more than this many documents of a batch:
#: a suggestion shown on a third of the reports is no longer a suggestion.
MAX_DOCUMENTS_PER_CANDIDATE = 4
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
    categories: Mapping[int, int] | None = None,
    max_documents: int | None = MAX_DOCUMENTS_PER_CANDIDATE,
) -> list[list[tuple[int, Decimal]]]:
    """Rank ``candidates`` (key, text) by relevance to each of ``documents``.

    Relevance starts from the cosine of sublinear TF-IDF vectors (jieba
    tokens, :data:`STOP_WORDS` removed; one model fitted on the candidates and
    the documents together), then:

    * minus :data:`HUB_WEIGHT` times the candidate's mean cosine with the
      *other* documents of the batch (a "hub" that matches everything is
      pushed down; a batch of one document gets no penalty);
    * plus, when ``categories`` maps candidate keys to category keys,
      :data:`CATEGORY_BONUS` times the document's best cosine, scaled by how
      similar the document is to the candidate's category (the centroid of
      its candidates) relative to its most similar category;
    * at most ``max_documents`` documents get the same candidate (``None``:
      no limit): suggestions are handed out best relevance first across the
      whole batch, so a capped candidate goes to the documents it fits best.

    Returns one list per document, in document order: up to ``top`` tuples
    ``(candidate key, relevance)``, the relevance a ``Decimal`` clamped to
    [0, 1] and rounded half-up to 4 places; best first, equal (rounded)
    relevance by ascending key. Candidates with relevance 0.0000 are left
    out, so a document that shares no word with any candidate gets ``[]``.
    The result does not depend on the order of documents or candidates.
    Raises ``ValueError`` on duplicate candidate keys, ``top < 1`` or
    ``max_documents < 1``.
    """
    if top < 1:
        raise ValueError("top must be at least 1")
    if max_documents is not None and max_documents < 1:
        raise ValueError("max_documents must be at least 1")
    keys = [key for key, _ in candidates]
    if len(set(keys)) != len(keys):
        raise ValueError("candidate keys must be unique")
    if not documents:
        return []
    if not candidates:
        return [[] for _ in documents]

    texts = [text for _, text in candidates] + list(documents)
    vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary: no text holds a single word
        return [[] for _ in documents]
    cand, docs = matrix[: len(keys)], matrix[len(keys) :]
    cosine = (docs @ cand.T).toarray()  # rows are l2-normalised: cosine
    relevance = cosine - HUB_WEIGHT * _mean_of_others(cosine)
    if categories is not None:
        relevance += CATEGORY_BONUS * _category_affinity(cand, docs, keys, categories) * cosine.max(
            axis=1, keepdims=True
        )
    scores = [[_to_decimal(s) for s in row] for row in relevance]
    return _hand_out(list(documents), keys, scores, top=top, max_documents=max_documents)


def _mean_of_others(cosine: np.ndarray) -> np.ndarray:
    """Each candidate's mean cosine with every document except the row's own."""
    others = cosine.shape[0] - 1
    if others == 0:
        return np.zeros_like(cosine)
    return (cosine.sum(axis=0, keepdims=True) - cosine) / others


def _category_affinity(cand, docs, keys: list[int], categories: Mapping[int, int]) -> np.ndarray:
    """Per (document, candidate): the document's cosine with the candidate's
    category centroid, divided by its best category cosine (so in [0, 1])."""
    groups = sorted({categories[key] for key in keys})
    column = {group: i for i, group in enumerate(groups)}
    centroids = np.vstack([
        np.asarray(cand[[i for i, key in enumerate(keys) if categories[key] == group]].mean(axis=0))
        for group in groups
    ])
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = np.divide(centroids, norms, out=np.zeros_like(centroids), where=norms > 0)
    affinity = np.asarray(docs @ centroids.T)
    best = affinity.max(axis=1, keepdims=True)
    affinity = np.divide(affinity, best, out=np.zeros_like(affinity), where=best > 0)
    return affinity[:, [column[categories[key]] for key in keys]]


def _hand_out(
    documents: list[str], keys: list[int], scores: list[list[Decimal]], *, top: int, max_documents: int | None
) -> list[list[tuple[int, Decimal]]]:
    """Fill each document's list best relevance first, respecting ``max_documents``.

    Ties are broken by candidate key, then by document text (not position),
    so that shuffling the batch does not change who gets a capped candidate.
    """
    pairs = sorted(
        ((score, key, doc_index) for doc_index, row in enumerate(scores)
         for key, score in zip(keys, row, strict=True) if score > 0),
        key=lambda item: (-item[0], item[1], documents[item[2]]),
    )
    result: list[list[tuple[int, Decimal]]] = [[] for _ in documents]
    given: dict[int, int] = {}
    for score, key, doc_index in pairs:
        if len(result[doc_index]) >= top:
            continue
        if max_documents is not None and given.get(key, 0) >= max_documents:
            continue
        result[doc_index].append((key, score))
        given[key] = given.get(key, 0) + 1
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
