"""The material: the real catalogue's sentences (with their figures) and practice names, by category."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..importer.metrics import ExtractedMetric, extract_metrics
from ..models import CaseReport, Category, PracticeEntry
from .sets import SOURCE_PREFIX, SyntheticError, real_practices

# Leading verbs of the real practice names; a name starting with one splits
# into verb + object, which recombine across names of the same category.
NAME_VERBS = (
    "创新实施", "创新开展", "探索开展", "探索建立", "探索实施", "积极防范", "持续深化", "全面推行", "大力推进",
    "支持发展", "推进", "推动", "推行", "打造", "划定", "建立", "创新", "简化", "开展", "支持", "发放", "建设", "健全",
    "探索", "设立", "首发", "完善", "优化", "深化", "实施", "构建", "加强", "鼓励", "引导", "搭建", "落实",
    "提升", "强化", "畅通", "培育", "组建", "成立", "出台", "制定", "设置", "开通", "聚焦", "做好", "规范",
    "保护", "营造", "拓宽", "加快", "依法", "发挥", "实行", "提供", "创建", "助力", "服务", "防范", "化解",
)
_SENTENCE_END = re.compile(r"[。！？；;!?][”’」』）)]*")
_FULL_STOP = re.compile(r"[。！？!?][”’」』）)]*$")


@dataclass(frozen=True)
class Sentence:
    """One real sentence and the extractor's figures in it (offsets relative to the sentence)."""

    text: str
    figures: tuple[ExtractedMetric, ...]


@dataclass
class CategoryPool:
    number: int
    weight: int
    openers: list[Sentence] = field(default_factory=list)
    figures: list[Sentence] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    verbs: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Pool:
    categories: dict[int, CategoryPool]
    report_sentences: tuple[str, ...]
    kickers: tuple[str, ...]


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` as the metric extractor cuts them (after 。！？；;!?, closers kept), stripped."""
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        parts.append(text[start:match.end()])
        start = match.end()
    parts.append(text[start:])
    return [part.strip(" \u3000\u00a0\n") for part in parts if part.strip(" \u3000\u00a0\n")]


def _complete(sentence: str) -> bool:
    """A whole sentence ending with a full stop, on one line: safe to recombine."""
    return bool(_FULL_STOP.search(sentence)) and "\n" not in sentence and len(sentence) >= 8


def _split_name(name: str) -> tuple[str, str] | None:
    for verb in sorted(NAME_VERBS, key=len, reverse=True):
        if name.startswith(verb) and len(name) - len(verb) >= 2:
            return verb, name[len(verb):]
    return None


def build_pool() -> Pool:
    """Read the real catalogue's sentences and names, in a deterministic order."""
    categories = {c.number: CategoryPool(c.number, 0) for c in Category.objects.order_by("number")}
    if len(categories) != 7:
        raise SyntheticError("需要先载入真实目录（7 个类别）：python manage.py load_catalogue")
    practices = list(real_practices().select_related("category").order_by("number"))
    if not practices:
        raise SyntheticError("数据库中没有真实的典型做法：先运行 python manage.py load_catalogue")
    seen: set[str] = set()
    for practice in practices:
        pool = categories[practice.category.number]
        pool.weight += 1
        pool.names.append(practice.name)
        split = _split_name(practice.name)
        if split:
            pool.verbs.append(split[0])
            pool.objects.append(split[1])
    entries = (
        PracticeEntry.objects.filter(practice__in=real_practices())
        .order_by("practice__number", "position").values_list("practice__category__number", "text")
    )
    for category_number, text in entries:
        pool = categories[category_number]
        for sentence in split_sentences(text):
            if not _complete(sentence) or sentence in seen:
                continue
            seen.add(sentence)
            found = tuple(extract_metrics(sentence))
            (pool.figures if found else pool.openers).append(Sentence(sentence, found))
    everything = [s for pool in categories.values() for s in pool.openers]
    figures = [s for pool in categories.values() for s in pool.figures]
    verbs = sorted({v for pool in categories.values() for v in pool.verbs})
    for pool in categories.values():
        # A small category borrows from the whole catalogue rather than repeat itself.
        pool.openers = pool.openers if len(pool.openers) >= 5 else pool.openers + everything
        pool.figures = pool.figures if len(pool.figures) >= 5 else pool.figures + figures
        pool.verbs = sorted(set(pool.verbs)) or verbs
        if not pool.names:
            pool.names = [p.name for p in practices]
        pool.weight = max(pool.weight, 1)
    if not everything or not figures:
        raise SyntheticError("真实目录中没有可重组的句子。")
    reports = CaseReport.objects.exclude(source__filename__startswith=SOURCE_PREFIX).order_by("source__filename",
                                                                                               "position")
    report_sentences: list[str] = []
    kickers: list[str] = [""]
    for report in reports:
        if report.kicker and report.kicker not in kickers:
            kickers.append(report.kicker)
        for sentence in split_sentences(report.body):
            if _complete(sentence) and sentence not in seen:
                seen.add(sentence)
                report_sentences.append(sentence)
    if not report_sentences:
        report_sentences = [s.text for s in everything + figures]
    return Pool(categories, tuple(report_sentences), tuple(kickers))
