"""A deterministic synthetic catalogue on top of the real one, for scale tests and benchmarks.

``synthetic_generate(practices=N, seed=S)`` adds N published practices built
from the loaded catalogue's own material:

* **Places**: the prefecture-level cities of the national gazetteer
  (``practices.importer.places``) in the 31 mainland provinces, about 300,
  with the slugs ``places.city_slug`` gives them. The four municipalities
  (北京, 天津, 上海, 重庆) have no prefecture-level city of their own in the
  gazetteer, so each stands as its own city.
* **Text**: each city entry recombines real sentences of the real entries of
  the same category: an opening sentence without figures, then sentences
  with figures until the entry has its target of 2–7 metrics (about five on
  average). Practice names recombine a real name's leading verb with
  another real name's object (or keep a real name).
* **Metrics**: the real extractor (``importer.metrics.extract_metrics``) is
  run once on every pool sentence; an entry's metrics are its sentences'
  figures with shifted offsets. Sentences are self-contained for the
  extractor (labels and periods never cross a sentence), so this equals
  running the extractor on the whole entry, and a test checks it.
* **Case reports**: one per 20 practices, recombined from the real reports'
  sentences, about a province, its cities, one or two categories and up to
  five related synthetic practices; their metrics come from the extractor.

Everything hangs off one SourceDocument named ``synthetic-seed-<S>.txt``,
whose raw text is a JSON manifest (parameters, number range, the cities and
provinces the set had to create). Numbers continue after the highest
existing number. Every random choice comes from ``random.Random`` seeded by
(seed, record index), so the same seed over the same real catalogue gives
the same data, whatever the database (``synthetic_digest`` proves it).

Writes use ``bulk_create`` in batches inside one transaction: no ``save()``,
no signals, no history rows. ``synthetic_clear`` deletes with plain SQL
DELETEs (simple_history's delete signals would otherwise load and log every
row). Both finish by rebuilding the search index when the search module
offers ``search_index_rebuild``, since bulk writes bypass whatever keeps it
current.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.db.models import Max

from .catalogue_cache import catalogue_changed
from .importer import places
from .importer.metrics import ExtractedMetric, extract_metrics
from .importer.upsert import fingerprint
from .models import (
    CaseReport,
    Category,
    City,
    Metric,
    Practice,
    PracticeEntry,
    Province,
    RelatedPractice,
    SourceDocument,
    Status,
)

# Bump when the same seed would give different data: cached benchmark databases are rebuilt.
GENERATOR_VERSION = 2
SOURCE_PREFIX = "synthetic-seed-"
SOURCE_SUFFIX = ".txt"
# Provinces, autonomous regions and municipalities of the mainland.
EXCLUDED_PROVINCES = ("台湾省", "香港特别行政区", "澳门特别行政区")
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
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
# Practices generated, written and forgotten per step (bounds memory at 100k+).
CHUNK_SIZE = 2000
BATCH_SIZE = 1000
# Synthetic records are "published" at fixed times, one minute apart, so that
# the data (not only its shape) is reproducible.
PUBLISHED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
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


class SyntheticError(Exception):
    """The synthetic catalogue cannot be generated or cleared; str() says why."""


def source_filename(seed: int) -> str:
    """The SourceDocument file name of the synthetic set of ``seed``."""
    return f"{SOURCE_PREFIX}{seed}{SOURCE_SUFFIX}"


def synthetic_sources() -> models.QuerySet[SourceDocument]:
    """Every synthetic SourceDocument (any seed)."""
    return SourceDocument.objects.filter(filename__startswith=SOURCE_PREFIX, filename__endswith=SOURCE_SUFFIX)


def real_practices() -> models.QuerySet[Practice]:
    """Practices that are not synthetic."""
    return Practice.objects.exclude(source__filename__startswith=SOURCE_PREFIX)


# -- the material: sentences, names, places -----------------------------------
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


def gazetteer_cities() -> list[places.Place]:
    """The synthetic catalogue's cities: every prefecture-level 市 of the 31 mainland
    provinces, plus the four municipalities standing as their own city; in adcode order."""
    found: dict[str, places.Place] = {}
    for candidates in places._gazetteer().values():
        for place in candidates:
            if place.province in EXCLUDED_PROVINCES:
                continue
            if place.level == places.LEVEL_PREFECTURE and place.name.endswith("市") and place.name != "市辖区":
                found[place.adcode] = place
            elif place.level == places.LEVEL_PROVINCE and place.name in MUNICIPALITIES:
                found[place.adcode] = places.Place(place.name, place.name, place.name, place.adcode,
                                                   places.LEVEL_PREFECTURE)
    return [found[code] for code in sorted(found)]


# -- generation ------------------------------------------------------------------
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


class _Places:
    """Provinces and cities of the gazetteer selection as rows, created when missing."""

    def __init__(self) -> None:
        self.cities: list[City] = []
        self.by_province: dict[int, list[City]] = {}
        self.provinces: list[Province] = []
        self.created_cities: list[list[str]] = []
        self.created_provinces: list[str] = []
        self.order: list[int] = []  # a seeded permutation of the cities' indices

    def ensure(self) -> None:
        chosen = gazetteer_cities()
        province_names = sorted({p.province for p in chosen}, key=lambda n: places.locate_province(n).adcode)
        existing = {p.name: p for p in Province.objects.filter(name__in=province_names)}
        missing = []
        for name in province_names:
            if name not in existing:
                place = places.locate_province(name)
                values = {"slug": places.province_slug(name), "pinyin": places.province_pinyin(name),
                          "adcode": place.adcode}
                missing.append(Province(name=name, **values, load_fingerprint=fingerprint(values)))
        Province.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        self.created_provinces = [p.name for p in missing]
        by_name = {p.name: p for p in Province.objects.filter(name__in=province_names)}
        self.provinces = [by_name[name] for name in province_names]
        have = {(c.name, c.province_id): c for c in City.objects.filter(province__in=self.provinces)}
        new = []
        for place in chosen:
            province = by_name[place.province]
            if (place.name, province.pk) in have:
                continue
            values = {"slug": places.city_slug(place.name, place.province), "pinyin": places.city_pinyin(place.name),
                      "adcode": place.adcode, "level": City.Level.PREFECTURE}
            new.append(City(name=place.name, province=province, **values, load_fingerprint=fingerprint(values)))
        City.objects.bulk_create(new, batch_size=BATCH_SIZE)
        self.created_cities = [[c.name, c.province.name] for c in new]
        have = {(c.name, c.province_id): c for c in City.objects.filter(province__in=self.provinces)}
        self.cities = [have[(place.name, by_name[place.province].pk)] for place in chosen]
        for city in self.cities:
            self.by_province.setdefault(city.province_id, []).append(city)


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


def _manifest(seed: int, requested: int) -> str:
    return json.dumps({"generator": "practices.synthetic", "version": GENERATOR_VERSION, "seed": seed,
                       "practices": requested},
                      ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


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


# -- clearing --------------------------------------------------------------------
@dataclass
class ClearResult:
    sources: list[str] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)
    search_index: str = ""
    seconds: float = 0.0


def _purge(queryset: models.QuerySet, deleted: dict[str, int]) -> None:
    """Delete ``queryset`` and, first, everything that cascades from it, with plain DELETEs.

    Django's own cascade would load every row to send simple_history's
    post_delete signals (and write a history row for each); synthetic rows
    never had history, so they leave without it. SET_NULL relations are
    nulled; PROTECT ones make the delete fail inside the transaction.
    """
    model = queryset.model
    keys = queryset.values("pk")
    for relation in model._meta.related_objects:
        related = relation.related_model
        if relation.many_to_many:
            through = relation.through
            if through._meta.auto_created:
                source_field = next(f for f in through._meta.fields if f.related_model is model)
                _raw_delete(through._base_manager.filter(**{f"{source_field.name}__in": keys}), deleted)
            continue
        on_delete = relation.on_delete
        children = related._base_manager.filter(**{f"{relation.field.name}__in": keys})
        if on_delete is models.CASCADE:
            _purge(children, deleted)
        elif on_delete is models.SET_NULL:
            children.update(**{relation.field.name: None})
        elif on_delete is models.PROTECT and children.exists():
            raise SyntheticError(f"{related._meta.verbose_name} 仍引用合成的 {model._meta.verbose_name}，无法清除。")
    for many in model._meta.many_to_many:
        through = many.remote_field.through
        if through._meta.auto_created:
            _raw_delete(through._base_manager.filter(**{f"{many.m2m_field_name()}__in": keys}), deleted)
    _raw_delete(queryset, deleted)


def _raw_delete(queryset: models.QuerySet, deleted: dict[str, int]) -> None:
    label = queryset.model._meta.label
    # QuerySet._raw_delete: Django's own fast-delete path (one DELETE … WHERE …, no signals).
    deleted[label] = deleted.get(label, 0) + queryset._raw_delete(queryset.db)


def synthetic_clear(*, seed: int | None = None, rebuild_search: bool = True) -> ClearResult:
    """Remove the synthetic set of ``seed`` (every synthetic set when None), in one transaction.

    Cities and provinces the set created go too, unless something else now
    refers to them.
    """
    started = time.perf_counter()
    result = ClearResult()
    sources = synthetic_sources()
    if seed is not None:
        sources = sources.filter(filename=source_filename(seed))
    sources = list(sources.order_by("filename"))
    if not sources:
        result.seconds = time.perf_counter() - started
        return result
    with transaction.atomic():
        created_cities, created_provinces = [], []
        for source in sources:
            try:
                manifest = json.loads(source.raw_text)
            except ValueError:
                manifest = {}
            created_cities += manifest.get("created_cities", [])
            created_provinces += manifest.get("created_provinces", [])
        ids = [s.pk for s in sources]
        # Plain DELETEs bypass the signals: the cached public figures are replaced here.
        catalogue_changed()
        gone_practices = list(Practice.objects.filter(source_id__in=ids).values_list("pk", flat=True))
        gone_reports = list(CaseReport.objects.filter(source_id__in=ids).values_list("pk", flat=True))
        _purge(CaseReport.objects.filter(source_id__in=ids), result.deleted)
        _purge(Practice.objects.filter(source_id__in=ids), result.deleted)
        # Places the set created, unless something else now uses them.
        remaining = synthetic_sources().exclude(pk__in=ids)
        still_created = set()
        for source in remaining:
            try:
                still_created |= {tuple(c) for c in json.loads(source.raw_text).get("created_cities", [])}
            except ValueError:
                continue
        for name, province in created_cities:
            if (name, province) in still_created:
                continue
            unused = (City.objects.filter(name=name, province__name=province)
                      .filter(~models.Exists(PracticeEntry.objects.filter(city=models.OuterRef("pk"))))
                      .filter(~models.Exists(CaseReport.cities.through.objects.filter(city=models.OuterRef("pk")))))
            _raw_delete(unused, result.deleted)
        for name in created_provinces:
            unused = (Province.objects.filter(name=name)
                      .filter(~models.Exists(City.objects.filter(province=models.OuterRef("pk"))))
                      .filter(~models.Exists(CaseReport.objects.filter(province=models.OuterRef("pk")))))
            _raw_delete(unused, result.deleted)
        _raw_delete(SourceDocument.objects.filter(pk__in=ids), result.deleted)
        if rebuild_search:
            # Raw deletes send no signal: let the index forget the records.
            result.search_index = search_index_refresh(practices=gone_practices, case_reports=gone_reports)
    result.sources = [s.filename for s in sources]
    result.seconds = time.perf_counter() - started
    return result


# -- search index, digest ----------------------------------------------------------
def search_index_refresh(*, practices=None, case_reports=None,
                         progress: Callable[[str, int, int], None] | None = None) -> str:
    """Bring the search index up to date when ``practices.search.search_index_rebuild`` exists.

    ``practices`` and ``case_reports`` (QuerySets or ids) name the records the
    bulk write touched; both None means everything. Runs in the caller's
    transaction. Returns a one-line account for the command's output.
    """
    try:
        module = importlib.import_module("practices.search")
    except ImportError:
        return "没有 practices.search 模块：未重建搜索索引。"
    rebuild = getattr(module, "search_index_rebuild", None)
    if rebuild is None:
        return "practices.search 没有 search_index_rebuild()：未重建搜索索引。"
    parameters = inspect.signature(rebuild).parameters
    kwargs: dict[str, object] = {}
    if practices is not None or case_reports is not None:
        if {"practices", "case_reports"} <= parameters.keys():
            kwargs = {"practices": practices if practices is not None else [],
                      "case_reports": case_reports if case_reports is not None else []}
    if progress is not None and "progress" in parameters:
        kwargs["progress"] = progress
    started = time.perf_counter()
    try:
        outcome = rebuild(**kwargs)
    except Exception as exc:  # the search module's own failure: name it, roll back
        raise SyntheticError(f"重建搜索索引失败（practices.search.search_index_rebuild）：{exc}") from exc
    elapsed = time.perf_counter() - started
    scope = "合成记录" if kwargs.get("practices") is not None else "全部记录"
    detail = f"：{outcome}" if outcome not in (None, "") else ""
    return f"已调用 practices.search.search_index_rebuild() 重建搜索索引（{scope}，{elapsed:.1f} 秒）{detail}"


def synthetic_digest(*, seed: int) -> str:
    """SHA-256 of the synthetic set of ``seed``'s content, independent of ids, timestamps and
    where its numbers start (numbers are taken relative to the set's first)."""
    source = SourceDocument.objects.filter(filename=source_filename(seed)).first()
    if source is None:
        raise SyntheticError(f"没有种子 {seed} 的合成数据。")
    digest = hashlib.sha256()
    practices = Practice.objects.filter(source=source)
    first = practices.aggregate(low=models.Min("number"))["low"] or 0

    def feed(*values: object) -> None:
        digest.update(json.dumps(values, ensure_ascii=False, default=str).encode("utf-8") + b"\n")

    for row in practices.order_by("number").values_list("number", "name", "category__number", "status",
                                                         "published_at", "raw_text"):
        feed("practice", row[0] - first, *row[1:5], row[5].split("\n", 1)[-1])
    for row in (PracticeEntry.objects.filter(practice__source=source)
                .order_by("practice__number", "position")
                .values_list("practice__number", "position", "city__slug", "text")):
        feed("entry", row[0] - first, *row[1:])
    metric_fields = ("position", "raw", "value", "high", "unit", "normalized_value", "normalized_high",
                     "normalized_unit", "kind", "qualifier", "label", "as_of", "as_of_year", "as_of_month",
                     "sentence", "offset")
    for row in (Metric.objects.filter(entry__practice__source=source)
                .order_by("entry__practice__number", "entry__position", "position")
                .values_list("entry__practice__number", "entry__position", *metric_fields)):
        feed("metric", row[0] - first, *(format(v.normalize(), "f") if isinstance(v, Decimal) else v
                                         for v in row[1:]))
    reports = (CaseReport.objects.filter(source=source).select_related("province").order_by("position")
               .prefetch_related("cities", "categories"))
    for report in reports:
        feed("report", report.position, report.title, report.kicker, report.province.name, report.body,
             sorted(c.slug for c in report.cities.all()), sorted(c.number for c in report.categories.all()))
    for row in (RelatedPractice.objects.filter(case_report__source=source)
                .order_by("case_report__position", "rank")
                .values_list("case_report__position", "practice__number", "score", "rank")):
        feed("related", row[0], row[1] - first, format(row[2].normalize(), "f"), row[3])
    for row in (Metric.objects.filter(case_report__source=source)
                .order_by("case_report__position", "position")
                .values_list("case_report__position", *metric_fields)):
        feed("report-metric", *(format(v.normalize(), "f") if isinstance(v, Decimal) else v for v in row))
    return digest.hexdigest()
