"""Export rows built from plain tuples rather than model instances (the practice list's fast paths).

``Table.rows()`` (practices.exports) asks :func:`fast_rows` first. A practice
export gives the same cells as import-export's ``export_resource`` (tests
compare them), but from ``values_list`` tuples:

* **keyset chunks**: when the list is ordered by plain columns (number, name —
  every order but relevance and city count), CHUNK_SIZE practices at a time
  after the last one written, then their entries: memory holds one chunk, and
  no sort of the whole list with its texts (a join sorted on disk) is needed;
* **by id chunks** otherwise: the ids in the list's order (a search is matched
  and ranked once), then two queries per chunk of CHUNK_SIZE ids.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from import_export.widgets import ForeignKeyWidget

from . import resources
from .models import SEARCH_FIELDS, Practice, PracticeEntry

__all__ = ["CHUNK_SIZE", "export_deferred", "fast_rows", "practice_columns", "practice_rows", "practice_rows_keyset",
           "streamable_order"]

# Rows per database round trip. 2,000 practices are about 3.5 MB of text; measured on PostgreSQL at
# 100k (9,705 rows, in-process, median of 4): 500 → 20.5k, 1,000 → 20.3–21.7k, 2,000 → 22.7–23.0k,
# 4,000 → 23.5k rows/s.
CHUNK_SIZE = 2000
# Long texts no export column shows, by model label: deferred when reading export chunks.
EXPORT_DEFERRED = {
    "practices.practice": ("raw_text", *SEARCH_FIELDS, "source__raw_text"),
    "practices.casereport": (*SEARCH_FIELDS, "source__raw_text"),
    "practices.metric": (
        "entry__text", "entry__practice__raw_text", *(f"entry__practice__{f}" for f in SEARCH_FIELDS),
        "case_report__body", "case_report__source_spans", *(f"case_report__{f}" for f in SEARCH_FIELDS),
        "case_report__source__raw_text",
    ),
}
# The entry columns a practice row is built from, after the practice's own columns.
ENTRY_VALUES = ("text", "city__name", "city__province__name")


def export_deferred(model) -> tuple[str, ...]:
    return EXPORT_DEFERRED.get(model._meta.label_lower, ())


# The two entries columns, rendered from a practice's [(city label, text), …] in source order.
ENTRY_CELLS: dict[str, Callable[[list[tuple[str, str]]], str]] = {
    "cities": lambda pairs: resources.LIST_SEPARATOR.join(label for label, _ in pairs),
    "entries": resources.render_labelled_entries,
}


def practice_columns(resource: resources.PracticeResource) -> list[tuple[str | None, Callable]]:
    """(value path, render) per export column of ``resource``, in its order, for the practice rows.

    Read from the Resource's own fields: a plain or related field is read
    with ``values_list(path)`` and rendered by the field's widget (a foreign
    key as the value its widget writes, e.g. ``category__number``); an
    entries column has no path and renders the entries (ENTRY_CELLS). Any
    other computed column is refused: a tuple cannot run its method.
    """
    columns: list[tuple[str | None, Callable]] = []
    for field in resource.get_export_fields():
        if isinstance(field, resources.EntriesField):
            columns.append((None, ENTRY_CELLS[field.part]))
        elif not field.attribute or callable(getattr(resource, f"dehydrate_{resource.get_field_name(field)}", None)):
            raise TypeError(f"practice_rows cannot build the computed column {field.column_name!r}")
        elif isinstance(field.widget, ForeignKeyWidget):
            columns.append((f"{field.attribute}__{field.widget.field}", _plain))
        else:
            columns.append((field.attribute, field.widget.render))
    return columns


def _plain(value) -> str:
    return "" if value is None else str(value)


def _row(columns: list[tuple[str | None, Callable]], head, pairs: list[tuple[str, str]]) -> list:
    values = iter(head)
    return [render(pairs) if path is None else render(next(values)) for path, render in columns]


def _entries_of(practices, homonyms) -> dict[int, list[tuple[str, str]]]:
    """{practice id: [(city label, text), …] in source order} for ``practices`` (ids or a subquery). One query."""
    entries: dict[int, list[tuple[str, str]]] = {}
    for practice_id, text, city, province in (
        PracticeEntry.objects.filter(practice_id__in=practices).order_by("practice_id", "position")
        .values_list("practice_id", *ENTRY_VALUES)
    ):
        entries.setdefault(practice_id, []).append((resources.city_name_label(city, province, homonyms), text))
    return entries


def practice_rows(resource: resources.PracticeResource, ids: list[int]) -> Iterator[list]:
    """PracticeResource's export rows for ``ids``, in that order: two queries per chunk of CHUNK_SIZE."""
    homonyms = resource.homonyms()
    columns = practice_columns(resource)
    paths = [path for path, _ in columns if path is not None]
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start:start + CHUNK_SIZE]
        heads = {row[0]: row[1:] for row in Practice.objects.filter(pk__in=chunk).values_list("pk", *paths)}
        entries = _entries_of(chunk, homonyms)
        for pk in chunk:
            if pk in heads:  # else deleted since the ids were read: left out
                yield _row(columns, heads[pk], entries.get(pk, []))


def streamable_order(queryset) -> tuple[str, ...] | None:
    """The practice queryset's order when every part is a plain column of Practice, else None
    (an annotation such as a search rank cannot be repeated in the joined query)."""
    ordering = tuple(queryset.query.order_by) or tuple(Practice._meta.ordering)
    for part in ordering:
        if not isinstance(part, str):
            return None
        try:
            field = Practice._meta.get_field(part.lstrip("-"))
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.is_relation:
            return None
    return ordering


def _after(keys: list[str], descending: list[bool], last: tuple) -> Q:
    """Rows after ``last`` in the order of ``keys``: (k1 beyond) or (k1 equal and k2 beyond) or …

    Led by "k1 at or beyond", which says the same but lets the database start an index range
    there (without it PostgreSQL read the index from the start and filtered: 23 ms a chunk at 100k).
    """
    condition = Q()
    for index, key in enumerate(keys):
        step = Q(**{f"{key}__{'lt' if descending[index] else 'gt'}": last[index]})
        for earlier in range(index):
            step &= Q(**{keys[earlier]: last[earlier]})
        condition |= step
    return Q(**{f"{keys[0]}__{'lte' if descending[0] else 'gte'}": last[0]}) & condition


def practice_rows_keyset(resource: resources.PracticeResource, queryset, ordering: tuple[str, ...]) -> Iterator[list]:
    """PracticeResource's export rows for ``queryset`` in ``ordering``, read in keyset chunks.

    Each chunk is the next CHUNK_SIZE practices after the last one written
    (``WHERE (number) > (last) ORDER BY number LIMIT n``: an index range, the
    same cost for the first chunk and the hundredth), then their entries,
    selected by the same chunk as a subquery. No chunk re-reads earlier rows,
    and a practice published or withdrawn meanwhile neither repeats nor
    shifts the others.
    """
    homonyms = resource.homonyms()
    columns = practice_columns(resource)
    paths = [path for path, _ in columns if path is not None]
    keys = [part.lstrip("-") for part in ordering] + ["pk"]
    descending = [part.startswith("-") for part in ordering] + [False]
    ordered = queryset.order_by(*ordering, "pk")
    last = None
    while True:
        page = ordered if last is None else ordered.filter(_after(keys, descending, last))
        heads = list(page.values_list(*keys, *paths)[:CHUNK_SIZE])
        if not heads:
            return
        entries = _entries_of(page.values("pk")[:CHUNK_SIZE], homonyms)
        for head in heads:
            yield _row(columns, head[len(keys):], entries.get(head[len(keys) - 1], []))
        if len(heads) < CHUNK_SIZE:
            return
        last = heads[-1][:len(keys)]


def fast_rows(resource, queryset) -> Iterator[list] | None:
    """The rows of ``queryset`` for ``resource`` by a fast path, or None when it has none."""
    if type(resource) is not resources.PracticeResource:
        return None
    ordering = streamable_order(queryset)
    if ordering is not None:
        return practice_rows_keyset(resource, queryset, ordering)
    return practice_rows(resource, list(queryset.values_list("pk", flat=True)))
