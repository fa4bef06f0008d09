"""What is indexed: each model's FTS5 table and texts, the search words of a record, the engine in use."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.contrib.postgres.search import SearchVector
from django.db import connections, models

from ..importer.search_text import search_document
from ..models import CaseReport, Practice, PracticeEntry

CONFIG = "simple"
TITLE_WEIGHT, DOCUMENT_WEIGHT = "A", "D"


@dataclass(frozen=True)
class _Index:
    """How one model is indexed: its FTS5 table and how to read its texts in batches."""

    model: type[models.Model]
    fts_table: str
    tiebreak: tuple[str, ...]
    # (ids, database alias) -> {id: (title text, full text)}
    texts: Callable[[list[int], str], dict[int, tuple[str, str]]]


def _practice_texts(ids: list[int], alias: str) -> dict[int, tuple[str, str]]:
    names = dict(Practice.objects.using(alias).filter(pk__in=ids).values_list("pk", "name"))
    paragraphs: dict[int, list[str]] = {pk: [] for pk in names}
    rows = PracticeEntry.objects.using(alias).filter(practice_id__in=ids).order_by("practice_id", "position")
    for practice_id, text in rows.values_list("practice_id", "text"):
        paragraphs[practice_id].append(text)
    return {pk: (name, "\n".join([name, *paragraphs[pk]])) for pk, name in names.items()}


def _case_report_texts(ids: list[int], alias: str) -> dict[int, tuple[str, str]]:
    rows = CaseReport.objects.using(alias).filter(pk__in=ids).values_list("pk", "title", "subtitle", "body")
    return {pk: (title, "\n".join([title, subtitle, body])) for pk, title, subtitle, body in rows}


PRACTICES = _Index(Practice, "practices_practice_fts", ("number",), _practice_texts)
CASE_REPORTS = _Index(CaseReport, "practices_casereport_fts", ("source__filename", "position"),
                      _case_report_texts)
_INDEXES = {Practice: PRACTICES, CaseReport: CASE_REPORTS}


def record_documents(title: str, text: str) -> tuple[str, str]:
    """(search_title, search_document) for a record's title and full text."""
    return search_document(title), search_document(text)


@cache
def sqlite_has_fts5() -> bool:
    """Whether this process's SQLite library has FTS5 (migration 0003 asks the same)."""
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE probe USING fts5(a)")
    except sqlite3.OperationalError:
        return False
    return True


def _backend(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return "postgresql"
    if vendor == "sqlite" and sqlite_has_fts5():
        return "fts5"
    return "fallback"


def _vector():
    return (SearchVector("search_title", config=CONFIG, weight=TITLE_WEIGHT)
            + SearchVector("search_document", config=CONFIG, weight=DOCUMENT_WEIGHT))
