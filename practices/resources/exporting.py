"""Exporting a Resource to a file."""
from __future__ import annotations

import tablib

from .formats import CSV, JSON, XLSX


def export_dataset(resource_class, queryset=None, *, published_only: bool = True) -> tablib.Dataset:
    """The rows of ``queryset`` (default: all) as a tablib Dataset, without formula escaping."""
    return resource_class(published_only=published_only).export(queryset)


def export_file(resource_class, queryset=None, *, file_format: str, published_only: bool = True):
    """Bytes (xlsx) or text (csv, json) of an export; CSV has a BOM, CSV and XLSX neutralise formulas."""
    formats = {"csv": CSV, "xlsx": XLSX, "json": JSON}
    dataset = export_dataset(resource_class, queryset, published_only=published_only)
    return formats[file_format]().export_data(dataset)
