"""``synthetic_generate()``: one seeded synthetic set, written in one transaction."""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from ..models import CaseReport, Category, Practice, SourceDocument
from .cities import _Places
from .pool import build_pool
from .search_index import search_index_refresh
from .sets import CHUNK_SIZE, GENERATOR_VERSION, SyntheticError, source_filename
from .writing import _chunks, _rng, _write_practices, _write_reports


@dataclass
class GenerationResult:
    seed: int
    practices: int = 0
    entries: int = 0
    metrics: int = 0
    case_reports: int = 0
    related: int = 0
    cities: int = 0
    provinces: int = 0
    cities_created: int = 0
    provinces_created: int = 0
    first_number: int | None = None
    last_number: int | None = None
    seconds: float = 0.0  # writing the records
    total_seconds: float = 0.0  # including the search index
    search_index: str = ""


def _manifest(seed: int, requested: int) -> str:
    return json.dumps({"generator": "practices.synthetic", "version": GENERATOR_VERSION, "seed": seed,
                       "practices": requested},
                      ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def synthetic_generate(*, practices: int, seed: int,
                       progress: Callable[[str, int, int], None] | None = None,
                       rebuild_search: bool = True) -> GenerationResult:
    """Add ``practices`` synthetic practices (and their entries, metrics, case reports) for ``seed``.

    One transaction. Raises SyntheticError when the real catalogue is
    missing or a set for ``seed`` already exists. ``progress(stage, done,
    total)`` is called after each chunk.
    """
    if practices < 1:
        raise SyntheticError("--practices 必须是正整数。")
    started = time.perf_counter()
    filename = source_filename(seed)
    if SourceDocument.objects.filter(filename=filename).exists():
        raise SyntheticError(f"种子 {seed} 的合成数据已存在（{filename}）：先用 --clear 清除。")
    result = GenerationResult(seed=seed)
    pool = build_pool()
    categories = {c.number: c for c in Category.objects.order_by("number")}
    try:
        with transaction.atomic():
            where = _Places()
            where.ensure()
            where.order = list(range(len(where.cities)))
            _rng(seed, "cities").shuffle(where.order)
            first = (Practice.objects.aggregate(top=Max("number"))["top"] or 0) + 1
            raw = _manifest(seed, practices)
            source = SourceDocument.objects.create(
                filename=filename, title=f"合成数据（种子 {seed}，{practices} 条典型做法）",
                kind=SourceDocument.Kind.PRACTICE_LIST, publisher="generate_synthetic", raw_text=raw,
                sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
            )
            numbers = sorted(categories)
            weights = [pool.categories[n].weight for n in numbers]
            assigned = _rng(seed, "categories").choices(numbers, weights=weights, k=practices)
            index: dict[int, list[tuple[int, str]]] = {n: [] for n in numbers}  # category -> [(pk, name)]
            for chunk in _chunks(practices, CHUNK_SIZE):
                _write_practices(chunk, seed=seed, first=first, source=source, pool=pool, categories=categories,
                                 assigned=assigned, where=where, index=index, result=result)
                if progress:
                    progress("practices", chunk.stop, practices)
            _write_reports(seed=seed, practices=practices, source=source, pool=pool, categories=categories,
                           where=where, index=index, result=result, progress=progress)
            result.first_number, result.last_number = first, first + practices - 1
            raw = json.dumps({
                "generator": "practices.synthetic", "version": GENERATOR_VERSION, "seed": seed,
                "practices": practices,
                "first_number": result.first_number, "last_number": result.last_number,
                "case_reports": result.case_reports,
                "created_provinces": where.created_provinces, "created_cities": where.created_cities,
            }, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
            SourceDocument.objects.filter(pk=source.pk).update(
                raw_text=raw, sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest()
            )
            result.seconds = time.perf_counter() - started
            if rebuild_search:
                # Inside the transaction: the data and its index arrive together or not at all.
                result.search_index = search_index_refresh(
                    practices=Practice.objects.filter(source=source),
                    case_reports=CaseReport.objects.filter(source=source),
                    progress=(lambda label, done, total: progress(f"search index: {label}", done, total))
                    if progress else None,
                )
    except IntegrityError as exc:
        raise SyntheticError(f"写入失败，数据库未改动：{exc}") from exc
    result.cities, result.provinces = len(where.cities), len(where.provinces)
    result.cities_created, result.provinces_created = len(where.created_cities), len(where.created_provinces)
    result.total_seconds = time.perf_counter() - started
    return result
