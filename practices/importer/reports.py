"""Segment the case-report sources into articles, driven by TOML manifests.

The sources are newspaper pages whose columns were joined line by line, with
headlines doubled, bylines in several styles, columns of two articles
interleaved, and one traditional-Chinese report with pinyin annotations. No
heuristic recovers that reliably, so each source has a reviewable manifest
(fixtures/manifests/<name>.toml) that says which raw text spans make up each
article, in reading order, and which spans are not article text at all.

Every anchor in a manifest is checked against the raw text: it must occur
exactly once, optional line numbers must match, declared titles and bylines
must equal what the heading spans print, spans must not overlap, and every
non-whitespace character of the source must belong to exactly one span. Any
failure raises :class:`ManifestError` naming the source file.

Manifest shape (TOML)::

    [document]      title, kind ("newspaper"|"report"), publisher, date ("" or
                    ISO), layout ("columns": wrapped column lines | "lines":
                    one paragraph per line), strip_pinyin (bool), convert
                    ("" | "t2s")
    [[articles]]    title, subtitle, kicker, byline, province (full name),
                    cities = ["宁波市", ...]  optional reviewed list of the cities
                    the article is about (see places.reviewed_cities)
                    heading = [span, ...]  each with role kicker|title|subtitle|byline
                    body    = [span, ...]  in reading order; role text|intertitle
    [[non_article]] label, doubled (bool), spans = [span, ...]

    span = {start = "anchor", end = "anchor", lines = [first, last],
            role = "...", join = "break" | "continue"}

``end`` defaults to ``start``; ``join = "continue"`` glues the span's first
paragraph to the previous span's last one (a column break cut the sentence).

No Django here, so the importer's loaders and the tests can use it without
settings.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from practices.importer import normalize, places
from practices.importer.report_records import (
    BODY_ROLES,
    HEADING_ROLES,
    KINDS,
    LAYOUTS,
    PROVINCES,
    REPORT_SOURCES,
    ManifestError,
    NonArticlePart,
    ParsedCaseReport,
    ParsedReportDocument,
)

__all__ = [
    "REPORT_SOURCES",
    "KINDS",
    "LAYOUTS",
    "HEADING_ROLES",
    "BODY_ROLES",
    "PROVINCES",
    "ManifestError",
    "ParsedCaseReport",
    "NonArticlePart",
    "ParsedReportDocument",
    "load_manifest",
    "parse_report_document",
    "parse_report_file",
    "read_source",
]


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    role: str
    join: str
    owner: str


def _short(anchor: str, limit: int = 24) -> str:
    flat = anchor.replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[:limit] + "…"


class _Document:
    """The raw text plus what is needed to resolve and report anchors."""

    def __init__(self, raw: str, filename: str) -> None:
        self.raw = raw
        self.filename = filename
        self.line_starts = [0] + [i + 1 for i, c in enumerate(raw) if c == "\n"]

    def error(self, where: str, message: str) -> ManifestError:
        return ManifestError(f"{self.filename}: {where}: {message}")

    def line_of(self, offset: int) -> int:
        """1-based line number of ``offset``."""
        return bisect.bisect_right(self.line_starts, offset)

    def _region(self, spec: dict[str, Any], where: str) -> tuple[int, int]:
        """The text an anchor is searched in: the declared lines, else the whole source."""
        if "lines" not in spec:
            return 0, len(self.raw)
        lines = spec["lines"]
        if (
            not isinstance(lines, list)
            or len(lines) != 2
            or not all(isinstance(n, int) for n in lines)
            or not 1 <= lines[0] <= lines[1] <= len(self.line_starts)
        ):
            raise self.error(where, f"lines must be [first, last] within 1..{len(self.line_starts)}")
        end = self.line_starts[lines[1]] if lines[1] < len(self.line_starts) else len(self.raw)
        return self.line_starts[lines[0] - 1], end

    def _unique(self, anchor: Any, what: str, where: str, region: tuple[int, int]) -> int:
        """Offset of the one occurrence of ``anchor`` inside ``region``."""
        if not isinstance(anchor, str) or not anchor.strip():
            raise self.error(where, f"{what} must be a non-empty string")
        lo, hi = region
        hits: list[int] = []
        pos = self.raw.find(anchor, lo, hi)
        while pos >= 0:
            hits.append(pos)
            pos = self.raw.find(anchor, pos + 1, hi)
        scope = "" if region == (0, len(self.raw)) else " in the declared lines"
        if not hits:
            raise self.error(where, f"{what} '{_short(anchor)}' not found{scope}")
        if len(hits) > 1:
            raise self.error(where, f"{what} '{_short(anchor)}' found {len(hits)} times{scope}, must be unique")
        return hits[0]

    def locate(self, spec: Any, role: str, owner: str, where: str) -> _Span:
        """Resolve one ``{start, end?, lines?, role?, join?}`` table to offsets.

        ``start`` and ``end`` (default: ``start``) must each occur exactly once
        in the declared ``lines`` (default: the whole source); the span runs
        from the start of ``start`` to the end of ``end``, and must begin on the
        first and end on the last declared line.
        """
        if not isinstance(spec, dict) or "start" not in spec:
            raise self.error(where, "a span needs a 'start' anchor")
        region = self._region(spec, where)
        start = self._unique(spec["start"], "start anchor", where, region)
        end_anchor = spec.get("end", spec["start"])
        if end_anchor == spec["start"]:
            end = start + len(end_anchor)
        else:
            found = self._unique(end_anchor, "end anchor", where, region)
            if found < start:
                raise self.error(where, f"end anchor '{_short(end_anchor)}' comes before its start anchor")
            end = found + len(end_anchor)
        if "lines" in spec:
            got = [self.line_of(start), self.line_of(end - 1)]
            if got != spec["lines"]:
                raise self.error(where, f"lines {spec['lines']} do not match the anchors, which span lines {got}")
        join = spec.get("join", "break")
        if join not in ("break", "continue"):
            raise self.error(where, f"join must be 'break' or 'continue', not {join!r}")
        return _Span(start, end, spec.get("role", role), join, owner)

    def check_accounting(self, spans: list[_Span]) -> None:
        """Every non-whitespace character in exactly one span, or ManifestError."""
        ordered = sorted(spans, key=lambda s: s.start)
        for a, b in itertools.pairwise(ordered):
            if b.start < a.end:
                raise self.error(f"line {self.line_of(b.start)}", f"{a.owner} and {b.owner} overlap")
        covered = bytearray(len(self.raw))
        for span in ordered:
            covered[span.start : span.end] = b"\x01" * (span.end - span.start)
        for offset, char in enumerate(self.raw):
            if not covered[offset] and not char.isspace():
                snippet = self.raw[offset : offset + 20].split("\n")[0]
                raise self.error(f"line {self.line_of(offset)}", f"text not accounted for: '{snippet}'")


def _transform(text: str, document: dict[str, Any]) -> str:
    """Apply the document-level clean-up that precedes segmentation into paragraphs."""
    if document.get("strip_pinyin"):
        text = normalize.strip_pinyin(text)
    if document.get("convert") == "t2s":
        text = normalize.to_simplified(text)
    return text


def _paragraphs(text: str, role: str, document: dict[str, Any]) -> list[str]:
    if role == "intertitle":
        return [normalize.clean_heading(text)]
    lines_mode = document.get("layout") == "lines"
    return normalize.split_paragraphs(text, one_line_per_paragraph=lines_mode)


def _assemble(doc: _Document, spans: list[_Span], document: dict[str, Any]) -> str:
    """Join the text of body spans in manifest order; return paragraphs joined by blank lines."""
    paragraphs: list[str] = []
    for span in spans:
        parts = _paragraphs(_transform(doc.raw[span.start : span.end], document), span.role, document)
        if span.join == "continue" and paragraphs and parts:
            # The previous span stopped at a column end mid-sentence.
            paragraphs[-1] = normalize.collapse_cjk_spaces(paragraphs[-1] + parts[0])
            parts = parts[1:]
        paragraphs.extend(parts)
    return "\n\n".join(p for p in paragraphs if p)


def _check_document(doc: _Document, document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise doc.error("document", "the manifest needs a [document] table")
    for key in ("title", "kind", "publisher", "date"):
        if not isinstance(document.get(key), str):
            raise doc.error("document", f"'{key}' must be a string")
    if document["kind"] not in KINDS:
        raise doc.error("document", f"kind must be one of {sorted(KINDS)}")
    if document.get("layout", "columns") not in LAYOUTS:
        raise doc.error("document", f"layout must be one of {sorted(LAYOUTS)}")
    if document.get("convert", "") not in ("", "t2s"):
        raise doc.error("document", "convert must be '' or 't2s'")
    if document["date"]:
        try:
            datetime.date.fromisoformat(document["date"])
        except ValueError:
            raise doc.error("document", f"date '{document['date']}' is not ISO YYYY-MM-DD") from None
    return document


def _parse_article(
    doc: _Document, number: int, entry: Any, document: dict[str, Any]
) -> tuple[ParsedCaseReport, list[_Span]]:
    if not isinstance(entry, dict):
        raise doc.error(f"article {number}", "must be a table")
    where = f"article {number} '{entry.get('title', '')}'"
    fields = {}
    for key in ("title", "subtitle", "kicker", "byline", "province"):
        if not isinstance(entry.get(key, ""), str):
            raise doc.error(where, f"'{key}' must be a string")
        fields[key] = entry.get(key, "")
    if not fields["title"]:
        raise doc.error(where, "title is empty")
    if fields["province"] not in PROVINCES:
        raise doc.error(where, f"province '{fields['province']}' is not a province-level name")

    heading_spans: list[_Span] = []
    printed: dict[str, list[str]] = {role: [] for role in HEADING_ROLES}
    for j, spec in enumerate(entry.get("heading", []), 1):
        span = doc.locate(spec, "", where, f"{where}: heading span {j}")
        if span.role not in HEADING_ROLES:
            raise doc.error(f"{where}: heading span {j}", f"role must be one of {HEADING_ROLES}")
        text = normalize.clean_heading(_transform(doc.raw[span.start : span.end], document))
        printed[span.role].append(text if span.role == "byline" else normalize.dedouble(text))
        heading_spans.append(span)
    for role in HEADING_ROLES:
        # A declared title/byline must be exactly what the source prints.
        shown = " ".join(printed[role])
        if shown != fields[role]:
            raise doc.error(where, f"declared {role} '{fields[role]}' but the heading spans print '{shown}'")

    body = entry.get("body", [])
    if not body:
        raise doc.error(where, "no body spans")
    body_spans = [doc.locate(spec, "text", where, f"{where}: body span {j}") for j, spec in enumerate(body, 1)]
    for j, span in enumerate(body_spans, 1):
        if span.role not in BODY_ROLES:
            raise doc.error(f"{where}: body span {j}", f"role must be one of {BODY_ROLES}")
    text = _assemble(doc, body_spans, document)
    if not text:
        raise doc.error(where, "the body is empty")
    all_spans = heading_spans + body_spans
    article = ParsedCaseReport(
        position=number,
        body=text,
        spans=tuple(sorted((s.start, s.end) for s in all_spans)),
        cities=_reviewed_cities(doc, where, entry, fields, text),
        **fields,
    )
    return article, all_spans


def _reviewed_cities(doc: _Document, where: str, entry: dict, fields: dict, body: str) -> tuple[str, ...] | None:
    names = entry.get("cities")
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise doc.error(where, "cities must be a list of city names")
    try:
        found = places.reviewed_cities(names, province=fields["province"], text=fields["title"] + "\n" + body)
    except places.UnknownPlaceError as exc:
        raise doc.error(where, str(exc)) from None
    return tuple(place.name for place in found)


def _parse_part(
    doc: _Document, number: int, entry: Any, document: dict[str, Any]
) -> tuple[NonArticlePart, list[_Span]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("label"), str) or not entry["label"]:
        raise doc.error(f"non-article part {number}", "needs a non-empty 'label'")
    where = f"non-article part {number} '{entry['label']}'"
    specs = entry.get("spans", [])
    if not specs:
        raise doc.error(where, "no spans")
    spans = [doc.locate(spec, "text", where, f"{where}: span {j}") for j, spec in enumerate(specs, 1)]
    paragraphs: list[str] = []
    for span in spans:
        # Printed matter such as "耿玉和 摄" keeps its spaces: blocks are only
        # joined line by line, not repaired like running text.
        piece = _transform(doc.raw[span.start : span.end], document)
        blocks = re.split(r"\n[ \t\u3000]*\n", piece)
        paragraphs.extend(p for p in (normalize.clean_heading(b) for b in blocks) if p)
    if entry.get("doubled"):
        paragraphs = [normalize.dedouble(p) for p in paragraphs]
    part = NonArticlePart(
        label=entry["label"],
        text="\n\n".join(paragraphs),
        spans=tuple(sorted((s.start, s.end) for s in spans)),
    )
    return part, spans


def parse_report_document(raw_text: str, manifest: dict, *, filename: str) -> ParsedReportDocument:
    """Segment ``raw_text`` as ``manifest`` describes.

    Returns a ParsedReportDocument whose ``articles`` are numbered 1.. in
    manifest order and whose bodies are clean simplified text (paragraphs
    separated by "\\n\\n"). ``raw_text`` is not modified. Raises ManifestError
    naming ``filename`` on any anchor, heading or accounting mismatch.
    """
    doc = _Document(raw_text, filename)
    if not isinstance(manifest, dict):
        raise doc.error("manifest", "must be a table")
    document = _check_document(doc, manifest.get("document"))
    entries = manifest.get("articles", [])
    if not entries:
        raise doc.error("manifest", "no [[articles]]")

    all_spans: list[_Span] = []
    articles: list[ParsedCaseReport] = []
    for number, entry in enumerate(entries, 1):
        article, spans = _parse_article(doc, number, entry, document)
        articles.append(article)
        all_spans.extend(spans)
    parts: list[NonArticlePart] = []
    for number, entry in enumerate(manifest.get("non_article", []), 1):
        part, spans = _parse_part(doc, number, entry, document)
        parts.append(part)
        all_spans.extend(spans)
    doc.check_accounting(all_spans)

    return ParsedReportDocument(
        filename=filename,
        title=document["title"],
        kind=document["kind"],
        publisher=document["publisher"],
        date=document["date"],
        articles=tuple(articles),
        non_article_parts=tuple(parts),
    )


def load_manifest(path: str | Path) -> dict:
    """Read a TOML manifest; returns the parsed table. Raises ManifestError on bad TOML."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path.name}: invalid TOML: {exc}") from exc


def read_source(path: str | Path) -> str:
    """Return a source's text exactly as stored (UTF-8, newlines untranslated)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return handle.read()


def parse_report_file(source_path: str | Path, manifest_path: str | Path) -> ParsedReportDocument:
    """Read a source and its manifest and segment it; see :func:`parse_report_document`."""
    source_path = Path(source_path)
    return parse_report_document(read_source(source_path), load_manifest(manifest_path), filename=source_path.name)
