"""Exporting a Resource to a file, and the typed cells of a spreadsheet."""
from __future__ import annotations

from collections.abc import Callable

import tablib
from import_export import widgets

from .formats import CSV, JSON, XLSX, typed_row
from .widgets import PlainDecimalWidget, PlainIntegerWidget

# Widgets whose rendered text is a number or a date: clean() turns the text back
# into Decimal/int/date, which a spreadsheet stores as a number or a date (so
# sorting and sums work) instead of text.
TYPED_WIDGETS = (PlainDecimalWidget, PlainIntegerWidget, widgets.DateWidget, widgets.DateTimeWidget)


def spreadsheet_cell_types(resource, selected_fields=None) -> list[Callable | None]:
    """Per export column of ``resource`` (or of ``selected_fields``): the function that types its cell, or None."""
    types: list[Callable | None] = []
    for field in resource.get_export_fields(selected_fields):
        widget = field.widget
        types.append(widget.clean if isinstance(widget, TYPED_WIDGETS) else None)
    return types


def typed_dataset(dataset: tablib.Dataset, resource) -> tablib.Dataset:
    """A copy of ``dataset`` (exported by ``resource``) with typed number and date cells, for XLSX."""
    types = spreadsheet_cell_types(resource)
    typed = tablib.Dataset(*(typed_row(row, types) for row in dataset), headers=dataset.headers)
    typed.title = dataset.title
    return typed


def export_dataset(resource_class, queryset=None, *, published_only: bool = True) -> tablib.Dataset:
    """The rows of ``queryset`` (default: all) as a tablib Dataset, without formula escaping."""
    return resource_class(published_only=published_only).export(queryset)


def export_file(resource_class, queryset=None, *, file_format: str, published_only: bool = True):
    """Bytes (xlsx) or text (csv, json) of an export; CSV has a BOM, CSV and XLSX neutralise formulas.

    XLSX keeps numbers as numbers and dates as dates; CSV and JSON stay text.
    """
    formats = {"csv": CSV, "xlsx": XLSX, "json": JSON}
    # The dataset carries its cell types (CatalogueResource.export); XLSX writes them typed.
    dataset = export_dataset(resource_class, queryset, published_only=published_only)
    return formats[file_format]().export_data(dataset)
