"""What a synthetic set is made of: its name and sizes, the real sentences and names it recombines, its places.

* **The set**: one SourceDocument ``synthetic-seed-<S>.txt`` per seed; real
  records are those of any other source.
* **The pool**: the real catalogue's sentences (with the extractor's figures)
  and practice names, by category, read in a deterministic order.
* **The places**: the prefecture-level cities of the national gazetteer in the
  31 mainland provinces, created as rows when missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import models

from practices.importer import places
from practices.importer.metrics import ExtractedMetric, extract_metrics
from practices.importer.upsert import fingerprint
from practices.models import CaseReport, Category, City, Practice, PracticeEntry, Province, SourceDocument

# -- the set -------------------------------------------------------------------------------------
# Bump when the same seed would give different data: cached benchmark databases are rebuilt.
GENERATOR_VERSION = 2
SOURCE_PREFIX = "synthetic-seed-"
SOURCE_SUFFIX = ".txt"
# Practices generated, written and forgotten per step (bounds memory at 100k+).
CHUNK_SIZE = 2000
BATCH_SIZE = 1000


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


# -- the pool --------------------------------------------------------------------------------------
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


# -- the places ------------------------------------------------------------------------------------
# Provinces, autonomous regions and municipalities of the mainland.
EXCLUDED_PROVINCES = ("台湾省", "香港特别行政区", "澳门特别行政区")
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
# A province's name without its kind (广西壮族自治区 → 广西), for report titles; the longest suffix first.
PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")


def province_short_name(name: str) -> str:
    """浙江省 → 浙江, 广西壮族自治区 → 广西."""
    return PROVINCE_SUFFIX.sub("", name)


def gazetteer_cities() -> list[places.Place]:
    """The synthetic catalogue's cities: every prefecture-level 市 of the 31 mainland
    provinces, plus the four municipalities standing as their own city; in adcode order.

    Read from cpca's national table, the one ``practices.importer.places`` uses, so the
    adcodes, and the slugs ``places.city_slug`` gives these names, are the importer's.
    """
    import cpca

    by_code = {code[:6]: info for code, info in cpca.ad_2_addr_dict.items()}
    found: list[places.Place] = []
    for code, info in sorted(by_code.items()):
        province = by_code.get(code[:2] + "0000")
        if province is None or province.name in EXCLUDED_PROVINCES:
            continue
        if info.rank == info.RANK_CITY and info.name.endswith("市"):
            found.append(places.Place(info.name, province.name, info.name, code, places.LEVEL_PREFECTURE))
        elif info.rank == info.RANK_PROVINCE and info.name in MUNICIPALITIES:
            # A municipality has no prefecture-level city of its own in the gazetteer.
            found.append(places.Place(info.name, info.name, info.name, code, places.LEVEL_PREFECTURE))
    return found


class PlaceRows:
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
