"""The sources' files and their bibliographic description, for the loader (:mod:`.loading`).

A source has two parts with different owners:

* the vendored file (``raw_text``, ``sha256``, the non-article parts): verified
  against SHA256SUMS and always written as read, since the file is the truth;
* its description (title, publisher, date, date note, issue, URL), read from
  the ``[document]`` table of its manifest (fixtures/manifests/<stem>.toml):
  curated, so it goes through :func:`upsert` and staff corrections made in
  the admin survive reloads, like any curated record.

The practice list's manifest also carries the curated English names of the
seven categories (its ``[categories]`` table, number -> name).
"""
from __future__ import annotations

import datetime
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..models import SourceDocument
from ..models.sources import source_slug
from .upsert import CREATED, UNCHANGED, UPDATED, LoadReport, upsert, validated

PRACTICE_SOURCE = "003_0afe494a00c202ac.txt"
CHECKSUMS = "SHA256SUMS"
# The [document] keys that describe a source (beyond the segmenter's own).
DESCRIPTION_KEYS = ("title", "publisher", "date", "date_note", "issue", "url")


class LoadError(Exception):
    """A source could not be read or parsed; the message names the file (and line)."""


@dataclass(frozen=True)
class SourceFile:
    filename: str
    raw_text: str
    sha256: str


@dataclass(frozen=True)
class SourceDescription:
    """The bibliographic fields of one source, as its manifest gives them ("" when not stated)."""

    title: str = ""
    publisher: str = ""
    date: datetime.date | None = None
    date_note: str = ""
    issue: str = ""
    url: str = ""


def read_checksums(sources_dir: Path) -> dict[str, str]:
    path = sources_dir / CHECKSUMS
    if not path.exists():
        raise LoadError(f"{path}: missing checksum file")
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise LoadError(f"{path}:{number}: malformed line {line!r}")
        sums[name.strip()] = digest
    return sums


def read_source(sources_dir: Path, filename: str, checksums: dict[str, str]) -> SourceFile:
    """Read one vendored source, verifying its SHA-256 against SHA256SUMS."""
    path = sources_dir / filename
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if checksums.get(filename) != digest:
        raise LoadError(
            f"{path}: SHA-256 {digest} does not match {CHECKSUMS} ({checksums.get(filename, 'missing')}); "
            "the source changed: review it, then update the checksum"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path}: not UTF-8 at byte {exc.start}") from exc
    return SourceFile(filename, text, digest)


def _manifest(manifests_dir: Path, filename: str) -> dict:
    path = Path(manifests_dir) / (Path(filename).stem + ".toml")
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LoadError(f"{path}: cannot read manifest: {exc}") from exc


def read_description(manifests_dir: Path, filename: str) -> SourceDescription:
    """The description in ``filename``'s manifest; an absent manifest or key describes nothing."""
    document = _manifest(manifests_dir, filename).get("document", {})
    values = {}
    for key in DESCRIPTION_KEYS:
        value = document.get(key, "")
        if not isinstance(value, str):
            raise LoadError(f"{filename}: manifest [document] '{key}' must be a string")
        values[key] = value.strip()
    # No printed title: the cataloguer's own (in square brackets), for citations.
    supplied = document.get("supplied_title", "")
    if not values["title"] and isinstance(supplied, str):
        values["title"] = supplied.strip()
    written = values.pop("date")
    try:
        when = datetime.date.fromisoformat(written) if written else None
    except ValueError as exc:
        raise LoadError(f"{filename}: manifest [document] date {written!r} is not ISO YYYY-MM-DD") from exc
    return SourceDescription(date=when, **values)


def read_category_names_en(manifests_dir: Path) -> dict[int, str]:
    """Category number -> curated English name, from the practice list's manifest ({} if none)."""
    table = _manifest(manifests_dir, PRACTICE_SOURCE).get("categories", {})
    names = {}
    for key, value in table.items():
        if not (str(key).isdigit() and isinstance(value, str) and value.strip()):
            raise LoadError(f"{PRACTICE_SOURCE}: manifest [categories] needs number = \"English name\" lines")
        names[int(key)] = value.strip()
    return names


def source_upsert(*, source: SourceFile, description: SourceDescription, kind: str,
                  non_article_parts: list, report: LoadReport, overwrite: bool) -> SourceDocument:
    """Write one source: its description as a curated record, its file as read."""
    described = {"title": description.title, "kind": kind, "publisher": description.publisher,
                 "date": description.date, "date_note": description.date_note, "issue": description.issue,
                 "url": description.url}
    # The slug addresses the case reports' public pages: derived from the file
    # name alone, so every database and every reload give the same URLs.
    file_values = {"slug": source_slug(source.filename), "raw_text": source.raw_text, "sha256": source.sha256,
                   "non_article_parts": non_article_parts}
    obj, action = upsert(SourceDocument, lookup={"filename": source.filename}, values=described, report=LoadReport(),
                         overwrite=overwrite, describe=source.filename, create_defaults=file_values)
    changed_file = action != CREATED and any(getattr(obj, key) != val for key, val in file_values.items())
    if changed_file:
        for key, val in file_values.items():
            setattr(obj, key, val)
        validated(obj, source.filename).save()
    # One tally per source: the file and its description count as one record.
    if action == CREATED or action == UPDATED or changed_file:
        report.record(SourceDocument, CREATED if action == CREATED else UPDATED)
    elif action == UNCHANGED:
        report.record(SourceDocument, UNCHANGED)
    else:
        report.record(SourceDocument, action, f"{SourceDocument._meta.verbose_name} {source.filename}: 工作人员已编辑，未覆盖")
    return obj
