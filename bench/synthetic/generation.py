"""``synthetic_generate()``: one seeded synthetic set, written in bulk in one transaction.

Practices with their entries and metrics are written in chunks, then the case
reports; every random choice comes from ``random.Random`` seeded by (seed,
record index), so the same seed over the same real catalogue gives the same data.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max

from practices.importer.metrics import ExtractedMetric, extract_metrics
from practices.models import (
    CaseReport,
    Category,
    Metric,
    Practice,
    PracticeEntry,
    RelatedPractice,
    SourceDocument,
    Status,
)
from practices.search import search_index_rebuild

from .material import (
    BATCH_SIZE,
    CHUNK_SIZE,
    GENERATOR_VERSION,
    CategoryPool,
    PlaceRows,
    Pool,
    SyntheticError,
    build_pool,
    province_short_name,
    source_filename,
)

# How many city entries a practice has (1–5) and how often.
ENTRY_COUNT_WEIGHTS = {1: 30, 2: 30, 3: 20, 4: 12, 5: 8}
# An entry's target metric count is drawn from this range; sentences are added
# until it is reached (or MAX_SENTENCES), so the mean lands at about five.
METRIC_TARGET = (2, 6)
MAX_SENTENCES = 6
# One synthetic case report per this many practices.
PRACTICES_PER_REPORT = 20
# CaseReport.position is a PositiveSmallIntegerField.
MAX_REPORTS = 32767
# Synthetic records are "published" at fixed times, one minute apart, so that
# the data (not only its shape) is reproducible.
PUBLISHED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
GENERATOR_NAME = "bench.synthetic"


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


def _rng(seed: int, *parts: object) -> random.Random:
    # String seeds are hashed with SHA-512: stable across runs, platforms and PYTHONHASHSEED.
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def _compose(rng: random.Random, pool: CategoryPool) -> tuple[str, list[tuple[int, ExtractedMetric]]]:
    """An entry text and its figures as (offset of the figure's sentence, figure)."""
    target = rng.randint(*METRIC_TARGET)
    chosen = [rng.choice(pool.openers)]
    count = 0
    while count < target and len(chosen) < MAX_SENTENCES:
        sentence = rng.choice(pool.figures)
        if sentence in chosen:
            sentence = rng.choice(pool.figures)
        chosen.append(sentence)
        count += len(sentence.figures)
    parts, figures, offset = [], [], 0
    for sentence in chosen:
        parts.append(sentence.text)
        figures.extend((offset, figure) for figure in sentence.figures)
        offset += len(sentence.text)
    return "".join(parts), figures


def _name(rng: random.Random, pool: CategoryPool) -> str:
    if pool.objects and rng.random() < 0.75:
        return rng.choice(pool.verbs) + rng.choice(pool.objects)
    return rng.choice(pool.names)


def _metric(owner: dict, position: int, base: int, found: ExtractedMetric) -> Metric:
    return Metric(
        **owner, position=position, raw=found.raw, value=found.value, high=found.high, unit=found.unit,
        normalized_value=found.normalized_value, normalized_high=found.normalized_high,
        normalized_unit=found.normalized_unit, kind=found.kind, qualifier=found.qualifier, label=found.label,
        as_of=found.as_of, as_of_year=found.as_of_year, as_of_month=found.as_of_month, sentence=found.sentence,
        offset=base + found.start,
    )


def _write_practices(chunk: range, *, seed: int, first: int, source: SourceDocument, pool: Pool,
                     categories: dict[int, Category], assigned: list[int], where: PlaceRows,
                     index: dict[int, list[tuple[int, str]]], result: GenerationResult) -> None:
    counts = list(ENTRY_COUNT_WEIGHTS)
    weights = list(ENTRY_COUNT_WEIGHTS.values())
    rows, plans = [], []
    for i in chunk:
        rng = _rng(seed, "practice", i)
        number = assigned[i]
        category_pool = pool.categories[number]
        name = _name(rng, category_pool)
        # The first city walks a seeded permutation of all cities, so that every city (and
        # province) is used as soon as there are as many practices as cities; the others are random.
        home = where.cities[where.order[i % len(where.order)]]
        wanted = rng.choices(counts, weights=weights)[0]
        cities = [home] + [c for c in rng.sample(where.cities, wanted) if c is not home][:wanted - 1]
        entries = [(city, *_compose(rng, category_pool)) for city in cities]
        raw_text = f"{first + i} {name}\n\n" + "\n".join(
            f"{city.name}：{text}" for city, text, _ in entries
        )
        rows.append(Practice(
            number=first + i, name=name, category=categories[number], source=source,
            status=Status.PUBLISHED, published_at=PUBLISHED_EPOCH + timedelta(minutes=i), raw_text=raw_text,
        ))
        plans.append(entries)
    Practice.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    entry_rows, figure_plans = [], []
    for practice, entries in zip(rows, plans, strict=True):
        index[practice.category.number].append((practice.pk, practice.name))
        for position, (city, text, figures) in enumerate(entries, start=1):
            entry_rows.append(PracticeEntry(practice=practice, city=city, position=position, text=text))
            figure_plans.append(figures)
    PracticeEntry.objects.bulk_create(entry_rows, batch_size=BATCH_SIZE)
    metric_rows = [
        _metric({"entry": entry}, position, base, found)
        for entry, figures in zip(entry_rows, figure_plans, strict=True)
        for position, (base, found) in enumerate(figures, start=1)
    ]
    Metric.objects.bulk_create(metric_rows, batch_size=BATCH_SIZE)
    result.practices += len(rows)
    result.entries += len(entry_rows)
    result.metrics += len(metric_rows)


def _write_reports(*, seed: int, practices: int, source: SourceDocument, pool: Pool,
                   categories: dict[int, Category], where: PlaceRows, index: dict[int, list[tuple[int, str]]],
                   result: GenerationResult, progress: Callable[[str, int, int], None] | None) -> None:
    total = min(MAX_REPORTS, max(1, practices // PRACTICES_PER_REPORT))
    numbers = sorted(categories)
    for chunk in _chunks(total, CHUNK_SIZE):
        reports, plans = [], []
        for j in chunk:
            rng = _rng(seed, "report", j)
            province = rng.choice(where.provinces)
            local = where.by_province[province.pk]
            cities = rng.sample(local, min(len(local), rng.randint(1, 3)))
            themes = sorted(rng.sample(numbers, rng.randint(1, 2)))
            candidates = index[themes[0]] or [item for n in numbers for item in index[n]]
            related = rng.sample(candidates, min(len(candidates), rng.randint(1, 5)))
            scores = sorted((rng.randint(2000, 9900) for _ in related), reverse=True)
            sentences = [rng.choice(pool.report_sentences) for _ in range(rng.randint(4, 9))]
            sentences += [rng.choice(pool.categories[themes[0]].figures).text for _ in range(rng.randint(1, 3))]
            rng.shuffle(sentences)
            paragraphs = ["".join(sentences[k:k + 3]) for k in range(0, len(sentences), 3)]
            body = "\n\n".join(paragraphs)
            short = province_short_name(province.name)
            reports.append(CaseReport(
                source=source, position=j + 1, title=(short + related[0][1])[:200], kicker=rng.choice(pool.kickers),
                province=province, body=body, status=Status.PUBLISHED,
                published_at=PUBLISHED_EPOCH + timedelta(minutes=j, seconds=30),
            ))
            plans.append((cities, themes, list(zip(related, scores, strict=True))))
        CaseReport.objects.bulk_create(reports, batch_size=BATCH_SIZE)
        city_links, category_links, related_rows, metric_rows = [], [], [], []
        city_through, category_through = CaseReport.cities.through, CaseReport.categories.through
        for report, (cities, themes, related) in zip(reports, plans, strict=True):
            city_links += [city_through(casereport_id=report.pk, city_id=c.pk) for c in cities]
            category_links += [category_through(casereport_id=report.pk, category_id=categories[n].pk)
                               for n in themes]
            related_rows += [
                RelatedPractice(case_report=report, practice_id=pk, score=Decimal(score) / 10000, rank=rank)
                for rank, ((pk, _), score) in enumerate(related, start=1)
            ]
            metric_rows += [_metric({"case_report": report}, found.position, 0, found)
                            for found in extract_metrics(report.body)]
        city_through.objects.bulk_create(city_links, batch_size=BATCH_SIZE)
        category_through.objects.bulk_create(category_links, batch_size=BATCH_SIZE)
        RelatedPractice.objects.bulk_create(related_rows, batch_size=BATCH_SIZE)
        Metric.objects.bulk_create(metric_rows, batch_size=BATCH_SIZE)
        result.case_reports += len(reports)
        result.related += len(related_rows)
        result.metrics += len(metric_rows)
        if progress:
            progress("case reports", chunk.stop, total)


def _manifest(**values: object) -> str:
    return json.dumps({"generator": GENERATOR_NAME, "version": GENERATOR_VERSION, **values},
                      ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def synthetic_generate(*, practices: int, seed: int,
                       progress: Callable[[str, int, int], None] | None = None,
                       rebuild_search: bool = True) -> GenerationResult:
    """Add ``practices`` synthetic practices (and their entries, metrics, case reports) for ``seed``.

    One transaction. Raises SyntheticError when the real catalogue is
    missing or a set for ``seed`` already exists. ``progress(stage, done,
    total)`` is called after each chunk. With ``rebuild_search``, the new
    records are indexed for search in the same transaction: bulk writes
    bypass save() and the signals that keep the index current.
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
            where = PlaceRows()
            where.ensure()
            where.order = list(range(len(where.cities)))
            _rng(seed, "cities").shuffle(where.order)
            first = (Practice.objects.aggregate(top=Max("number"))["top"] or 0) + 1
            raw = _manifest(seed=seed, practices=practices)
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
            raw = _manifest(seed=seed, practices=practices, first_number=result.first_number,
                            last_number=result.last_number, case_reports=result.case_reports,
                            created_provinces=where.created_provinces, created_cities=where.created_cities)
            SourceDocument.objects.filter(pk=source.pk).update(
                raw_text=raw, sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest()
            )
            result.seconds = time.perf_counter() - started
            if rebuild_search:
                # Inside the transaction: the data and its index arrive together or not at all.
                report = search_index_rebuild(
                    practices=Practice.objects.filter(source=source),
                    case_reports=CaseReport.objects.filter(source=source),
                    progress=(lambda label, done, total: progress(f"search index: {label}", done, total))
                    if progress else None,
                )
                result.search_index = (f"已调用 practices.search.search_index_rebuild() 为合成记录建立搜索索引"
                                       f"（{time.perf_counter() - started - result.seconds:.1f} 秒）：{report}")
    except IntegrityError as exc:
        raise SyntheticError(f"写入失败，数据库未改动：{exc}") from exc
    result.cities, result.provinces = len(where.cities), len(where.provinces)
    result.cities_created, result.provinces_created = len(where.created_cities), len(where.created_provinces)
    result.total_seconds = time.perf_counter() - started
    return result
