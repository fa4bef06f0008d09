"""Load the vendored sources into the database.

Two phases, after djangoproject.com's docs builder:

1. ``read_bundle`` checks every file against SHA256SUMS and parses it into
   plain dataclasses (no database). Any problem raises LoadError naming the
   file and line before anything is written.
2. ``load_bundle`` upserts by natural keys inside one ``transaction.atomic``:
   either the whole catalogue loads, or the database is left as it was.

Reading the files and the sources' bibliographic description is
``loading_sources``. Staff edits are never overwritten (see upsert.py); metrics that staff have
verified or edited are kept through re-extraction.
"""
from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from ..catalogue_cache import catalogue_changes_deferred
from ..models import (
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
from ..search import search_index_deferred, search_index_rebuild
from . import freshness, places
from .loading_sources import (
    PRACTICE_SOURCE,
    LoadError,
    SourceDescription,
    SourceFile,
    read_category_names_en,
    read_checksums,
    read_description,
    read_source,
    source_upsert,
)
from .measures import measure_for
from .metrics import extract_metrics
from .parsing import ParsedCatalogue, SourceParseError, parse_practices
from .reports import REPORT_SOURCES, ManifestError, ParsedReportDocument, load_manifest, parse_report_document
from .slugs import category_slug
from .upsert import CREATED, SKIPPED, UNCHANGED, UPDATED, LoadReport, RecordInvalid, fingerprint, upsert, validated

# The sources' dates are Chinese calendar days.
BEIJING = ZoneInfo("Asia/Shanghai")

__all__ = ["PRACTICE_SOURCE", "LoadError", "SourceFile", "load_bundle", "load_catalogue", "metrics_sync",
           "read_bundle", "read_source"]

@dataclass(frozen=True)
class ReportLinks:
    """Derived data for one case report: mentioned places, related practices, themes."""

    cities: tuple[places.Place, ...]
    related: tuple[tuple[int, object], ...]   # (practice number, Decimal score), best first
    categories: tuple[int, ...]


@dataclass(frozen=True)
class Bundle:
    sources: dict[str, SourceFile]
    descriptions: dict[str, SourceDescription]
    category_names_en: dict[int, str]
    catalogue: ParsedCatalogue
    reports: tuple[ParsedReportDocument, ...]
    links: dict[tuple[str, int], ReportLinks]


def read_bundle(sources_dir: Path, manifests_dir: Path) -> Bundle:
    """Verify and parse every bundled source; no database access. Raises LoadError."""
    sources_dir, manifests_dir = Path(sources_dir), Path(manifests_dir)
    checksums = read_checksums(sources_dir)
    sources = {name: read_source(sources_dir, name, checksums) for name in (PRACTICE_SOURCE, *REPORT_SOURCES)}
    try:
        catalogue = parse_practices(sources[PRACTICE_SOURCE].raw_text, filename=PRACTICE_SOURCE)
        reports = tuple(
            parse_report_document(
                sources[name].raw_text,
                load_manifest(manifests_dir / (Path(name).stem + ".toml")),
                filename=name,
            )
            for name in REPORT_SOURCES
        )
    except (SourceParseError, ManifestError) as exc:
        raise LoadError(str(exc)) from exc
    except OSError as exc:
        raise LoadError(f"{exc.filename}: cannot read manifest: {exc.strerror}") from exc
    descriptions = {name: read_description(manifests_dir, name) for name in sources}
    return Bundle(sources, descriptions, read_category_names_en(manifests_dir), catalogue, reports,
                  _link_reports(catalogue, reports))


def _link_reports(catalogue: ParsedCatalogue, reports: tuple[ParsedReportDocument, ...]) -> dict:
    # Imported here: scikit-learn takes about 1 s to import, which an unchanged load
    # (only the checksums checked, see freshness.py) must not pay.
    from .similarity import suggest_categories, suggest_related

    articles = [(doc.filename, art) for doc in reports for art in doc.articles]
    candidates = [
        (p.number, p.name + "\n" + "\n".join(e.text for e in p.entries)) for p in catalogue.practices
    ]
    texts = [art.title + "\n" + art.body for _, art in articles]
    practice_category = {p.number: p.category_number for p in catalogue.practices}
    related = suggest_related(texts, candidates, top=5, categories=practice_category)
    themes = suggest_categories(texts, related, practice_category)
    links = {}
    for (filename, art), rel, cats in zip(articles, related, themes, strict=True):
        # The reviewed list from the manifest when there is one; else the rule.
        if art.cities is not None:
            found = tuple(places.locate_city(name, province=art.province) for name in art.cities)
        else:
            found = places.report_cities(art.title + "\n" + art.body, province=art.province)
        links[(filename, art.position)] = ReportLinks(found, tuple(rel), tuple(cats))
    return links


class _Loader:
    """Writes one Bundle; every method runs inside the caller's transaction."""

    def __init__(self, bundle: Bundle, *, overwrite: bool) -> None:
        self.bundle = bundle
        self.overwrite = overwrite
        self.report = LoadReport()
        # Loaded records are published on creation (saved, so history records
        # it); later status changes belong to staff and are never reloaded.
        self.provinces: dict[str, Province] = {}
        self.cities: dict[tuple[str, str], City] = {}

    def upsert(self, model, *, lookup, values, describe, m2m=None, create_defaults=None):
        return upsert(model, lookup=lookup, values=values, report=self.report, overwrite=self.overwrite,
                      describe=describe, m2m=m2m, create_defaults=create_defaults)

    def source(self, filename: str, *, kind: str, printed_title: str = "",
               non_article_parts: list | None = None) -> SourceDocument:
        description = self.bundle.descriptions[filename]
        if not description.title:
            description = dataclasses.replace(description, title=printed_title)
        return source_upsert(source=self.bundle.sources[filename], description=description, kind=kind,
                             non_article_parts=non_article_parts or [], report=self.report, overwrite=self.overwrite)

    def published(self, source: SourceDocument) -> dict:
        """Status and date of a record on creation: published, dated by its source (None if undated).

        ``published_at`` is the source's own date (midnight, Beijing time), never the
        load time: a reader, the API and the feeds must not take a load for a publication.
        """
        when = None
        if source.date is not None:
            when = datetime.datetime.combine(source.date, datetime.time(), tzinfo=BEIJING)
        return {"status": Status.PUBLISHED, "published_at": when}

    def province(self, name: str) -> Province:
        place = places.locate_province(name)
        if place.name not in self.provinces:
            self.provinces[place.name], _ = self.upsert(
                Province, lookup={"name": place.name}, describe=place.name,
                values={"slug": places.province_slug(place.name), "pinyin": places.province_pinyin(place.name),
                        "adcode": place.adcode},
            )
        return self.provinces[place.name]

    def city(self, place: places.Place) -> City:
        key = (place.name, place.province)
        if key not in self.cities:
            province = self.province(place.province)
            level = City.Level.COUNTY if place.level == places.LEVEL_COUNTY else City.Level.PREFECTURE
            self.cities[key], _ = self.upsert(
                City, lookup={"name": place.name, "province": province}, describe=place.name,
                values={"slug": places.city_slug(place.name, place.province), "pinyin": places.city_pinyin(place.name),
                        "adcode": place.adcode, "level": level},
            )
        return self.cities[key]

    def practices(self) -> None:
        catalogue = self.bundle.catalogue
        source = self.source(catalogue.filename, printed_title=catalogue.title,
                             kind=SourceDocument.Kind.PRACTICE_LIST)
        categories = {}
        names_en = self.bundle.category_names_en
        for cat in catalogue.categories:
            categories[cat.number], _ = self.upsert(
                Category, lookup={"number": cat.number}, describe=str(cat.number),
                values={"name": cat.name, "slug": category_slug(cat.name), "name_en": names_en.get(cat.number, "")},
            )
        for parsed in catalogue.practices:
            practice, _ = self.upsert(
                Practice, lookup={"number": parsed.number}, describe=f"{parsed.number}. {parsed.name}",
                values={"name": parsed.name, "category": categories[parsed.category_number], "source": source,
                        "line_start": parsed.line_start, "line_end": parsed.line_end, "raw_text": parsed.raw_text},
                create_defaults=self.published(source),
            )
            for parsed_entry in parsed.entries:
                city = self.city(places.locate_city(parsed_entry.city))
                entry, _ = self.upsert(
                    PracticeEntry, lookup={"practice": practice, "city": city},
                    describe=f"{parsed.number}. {parsed.name} · {city.name}",
                    values={"position": parsed_entry.position, "text": parsed_entry.text,
                            "line_start": parsed_entry.line_start, "line_end": parsed_entry.line_end},
                )
                self.metrics(owner_field="entry", owner=entry, text=entry.text,
                             describe=f"{parsed.number}. {city.name}")

    def case_reports(self) -> None:
        practices = {p.number: p for p in Practice.objects.all()}
        categories = {c.number: c for c in Category.objects.all()}
        for doc in self.bundle.reports:
            source = self.source(
                doc.filename, printed_title=doc.title, kind=doc.kind,
                non_article_parts=[{"label": p.label, "text": p.text, "spans": [list(s) for s in p.spans]}
                                   for p in doc.non_article_parts],
            )
            for art in doc.articles:
                links = self.bundle.links[(doc.filename, art.position)]
                report, _ = self.upsert(
                    CaseReport, lookup={"source": source, "position": art.position},
                    describe=f"{doc.filename} #{art.position} {art.title}",
                    values={"title": art.title, "subtitle": art.subtitle, "kicker": art.kicker,
                            "byline": art.byline, "province": self.province(art.province), "body": art.body,
                            "source_spans": [list(s) for s in art.spans]},
                    m2m={"cities": [self.city(p) for p in links.cities],
                         "categories": [categories[n] for n in links.categories]},
                    create_defaults=self.published(source),
                )
                self.related(report, links, practices)
                self.metrics(owner_field="case_report", owner=report, text=report.body,
                             describe=f"{doc.filename} #{art.position}")

    def related(self, report: CaseReport, links: ReportLinks, practices: dict[int, Practice]) -> None:
        """Store suggestions; staff decisions (confirmed True/False) are never touched."""
        existing = {link.practice.number: link for link in report.practice_links.select_related("practice")}
        wanted = {number: (rank, score) for rank, (number, score) in enumerate(links.related, start=1)}
        for number, link in existing.items():
            if number not in wanted and link.confirmed is None:
                link.delete()
                self.report.deleted.append(f"{report} ↔ {number}")
        for number, (rank, score) in wanted.items():
            link = existing.get(number)
            if link is None:
                RelatedPractice.objects.create(case_report=report, practice=practices[number], score=score, rank=rank)
                self.report.record(RelatedPractice, CREATED)
            elif link.confirmed is not None or (link.score, link.rank) == (score, rank):
                self.report.record(RelatedPractice, UNCHANGED)
            else:
                link.score, link.rank = score, rank
                link.save(update_fields=["score", "rank"])
                self.report.record(RelatedPractice, UPDATED)

    def metrics(self, *, owner_field: str, owner, text: str, describe: str) -> None:
        metrics_sync(owner_field=owner_field, owner=owner, text=text, describe=describe,
                     report=self.report, overwrite=self.overwrite)


def metric_is_edited(metric: Metric) -> bool:
    """True when staff changed the metric since the loader last wrote it (or it has no fingerprint)."""
    if not metric.load_fingerprint:
        return True
    names = list(metric_value_names()) + ["position"]
    return fingerprint({n: getattr(metric, n) for n in names}) != metric.load_fingerprint


def metrics_sync(*, owner_field: str, owner, text: str, describe: str,
                 report: LoadReport | None = None, overwrite: bool = False) -> LoadReport:
    """Re-extract metrics from the owner's current text, keeping staff work.

    ``owner_field`` is "entry" or "case_report". A metric is identified by
    (offset, raw). Verified or staff-edited metrics keep their values and
    positions (and are never duplicated); stale unverified ones go. Runs in
    the caller's transaction; returns ``report`` (a new one if not given).
    """
    report = report if report is not None else LoadReport()
    existing = list(Metric.objects.filter(**{owner_field: owner}))
    by_identity = {(m.offset, m.raw): m for m in existing}
    protected = {m.pk for m in existing if m.verified or metric_is_edited(m)}
    taken = {m.position for m in existing if m.pk in protected}
    kept: set[int] = set(protected)
    next_free = max([0, *taken]) + 1
    plan = []
    for found in extract_metrics(text):
        match = by_identity.get((found.start, found.raw))
        if match is not None and match.pk in protected and not overwrite:
            report.record(Metric, SKIPPED, f"{describe} {found.raw}: 工作人员已核实或编辑，未覆盖")
            continue
        position = found.position
        if position in taken:
            position, next_free = next_free, next_free + 1
        plan.append((match, position, found))
        if match is not None:
            kept.add(match.pk)
    stale = [m for m in existing if m.pk not in kept]
    for metric in stale:
        report.deleted.append(f"{describe} {metric.raw}")
    Metric.objects.filter(pk__in=[m.pk for m in stale]).delete()
    # Park moving metrics on free positions first so that the unique
    # (owner, position) constraint never sees a transient duplicate.
    # The parked position goes into the fingerprint too: otherwise the upsert below would take
    # the parked metric for a staff edit and leave it parked (positions shift whenever a figure is
    # added before others, e.g. a text correction or a better extractor).
    moving = [m for m, pos, _ in plan if m is not None and m.position != pos]
    names = list(metric_value_names())
    for index, metric in enumerate(moving, start=1):
        parked = {"position": 30000 + index}
        if metric.pk not in protected:
            parked["load_fingerprint"] = fingerprint({n: getattr(metric, n) for n in names} | parked)
        Metric.objects.filter(pk=metric.pk).update(**parked)
    for match, position, found in plan:
        values = _metric_values(found) | {"position": position}
        if match is None:
            metric = Metric(**{owner_field: owner}, **values, load_fingerprint=fingerprint(values))
            validated(metric, f"{describe} {found.raw}").save()
            report.record(Metric, CREATED)
            continue
        if overwrite and match.pk in protected:
            # Explicit --overwrite: treat the staff-edited metric as unedited.
            Metric.objects.filter(pk=match.pk).update(load_fingerprint="")
        upsert(Metric, lookup={"pk": match.pk}, values=values, report=report, overwrite=overwrite,
               describe=f"{describe} {found.raw}")
    return report


def metric_value_names() -> tuple[str, ...]:
    """The values the loader writes and fingerprints (with ``position``) on a metric."""
    return ("raw", "value", "high", "unit", "normalized_value", "normalized_high", "normalized_unit", "kind",
            "qualifier", "label", "as_of", "as_of_year", "as_of_month", "sentence", "offset", "measure")


def _metric_values(found) -> dict:
    values = {name: getattr(found, name) for name in metric_value_names() if name not in {"offset", "measure"}}
    values["offset"] = found.start
    # Part of the fingerprinted values, so a staff-curated measure survives reloads like any edit.
    values["measure"] = measure_for(label=values["label"], unit=values["normalized_unit"])
    return values


def load_bundle(bundle: Bundle, *, overwrite: bool = False) -> LoadReport:
    """Write ``bundle`` in one transaction; returns what changed. Staff edits survive."""
    loader = _Loader(bundle, overwrite=overwrite)
    try:
        with transaction.atomic(), catalogue_changes_deferred(), search_index_deferred():
            loader.practices()
            loader.case_reports()
            # The saves above are indexed in one batch when the deferred block ends;
            # records written by bulk paths (loaddata, bulk_create) are indexed here.
            search_index_rebuild(missing_only=True)
    except (RecordInvalid, places.UnknownPlaceError) as exc:
        raise LoadError(f"invalid record, nothing written: {exc}") from exc
    return loader.report


@dataclass(frozen=True)
class CatalogueLoad:
    """The outcome of ``load_catalogue``: what changed (or would, for a dry run)."""

    report: LoadReport
    up_to_date: bool  # sources, loader and database as at the last full load: nothing read or written
    dry_run: bool


def load_catalogue(*, sources_dir: Path, manifests_dir: Path, overwrite: bool = False, dry_run: bool = False,
                   full: bool = False) -> CatalogueLoad:
    """Verify the sources' checksums; load them unless nothing changed since the last full load.

    ``dry_run``: the load runs and is rolled back, so the report says what
    would change and the database keeps nothing. ``full`` (and ``overwrite``)
    skip the "nothing changed" check (``freshness``). Raises LoadError before any write.
    """
    sources_dir, manifests_dir = Path(sources_dir), Path(manifests_dir)
    checksums = read_checksums(sources_dir)
    digests = {name: read_source(sources_dir, name, checksums).sha256 for name in (PRACTICE_SOURCE, *REPORT_SOURCES)}
    if not (full or overwrite):
        stamp = freshness.load_stamp(source_digests=digests, manifests_dir=manifests_dir)
        if freshness.stamp_read() == stamp:
            return CatalogueLoad(LoadReport(), up_to_date=True, dry_run=dry_run)
    bundle = read_bundle(sources_dir, manifests_dir)
    with transaction.atomic():
        report = load_bundle(bundle, overwrite=overwrite)
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:
        freshness.stamp_write(freshness.load_stamp(source_digests=digests, manifests_dir=manifests_dir))
    return CatalogueLoad(report, up_to_date=False, dry_run=dry_run)
