"""Writing the records: practices with their entries and metrics, then case reports, in bulk."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ..importer import places
from ..importer.metrics import ExtractedMetric, extract_metrics
from ..models import CaseReport, Category, Metric, Practice, PracticeEntry, RelatedPractice, SourceDocument, Status
from .cities import _Places
from .pool import CategoryPool, Pool
from .sets import BATCH_SIZE, CHUNK_SIZE

if TYPE_CHECKING:
    from .generation import GenerationResult

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


def _rng(seed: int, *parts: object) -> random.Random:
    # String seeds are hashed with SHA-512: stable across runs, platforms and PYTHONHASHSEED.
    return random.Random(":".join(str(p) for p in (seed, *parts)))


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


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def _write_practices(chunk: range, *, seed: int, first: int, source: SourceDocument, pool: Pool,
                     categories: dict[int, Category], assigned: list[int], where: _Places,
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
                   categories: dict[int, Category], where: _Places, index: dict[int, list[tuple[int, str]]],
                   result: GenerationResult, progress) -> None:
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
            short = places._PROVINCE_SUFFIX.sub("", province.name)
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
