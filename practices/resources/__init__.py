"""django-import-export Resources: the one column layout of imports and exports.

The admin (import, export, the import template) and the public exports
(/practices/export.csv|.xlsx|.json) use these classes, so a file exported
anywhere can be edited and imported again.

Rules shared by every Resource
------------------------------
* Rows are addressed by business keys (``import_id_fields``), never by ids:
  practice and category ``number``, province ``name``, city ``name`` +
  ``province``, case report ``source`` + ``position``, metric owner +
  ``position``.
* Foreign keys are written as plain names or numbers (``ForeignKeyWidget``
  with ``field=``), never as JSON natural keys. Unknown names are row errors,
  also in many-to-many columns (django-import-export's ManyToManyWidget would
  drop them silently).
* ``skip_unchanged``: a row equal to the database is reported as skipped and
  not written; ``clean_model_instances``: every row passes ``full_clean()``.
* Missing or unknown column headers and repeated keys are errors naming the
  row; any error means nothing is written (the admin imports in one
  transaction and rolls back on validation errors too).
* Formula neutralisation: spreadsheet exports (CSV, XLSX) prefix a text cell
  that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return with
  a single quote ``'`` so that Excel/WPS show it as text instead of running
  it. Imports remove exactly that one quote again, so files round-trip.
* Typed spreadsheets: every export carries its column types
  (``CatalogueResource.export``), and XLSX writes numbers (number, position,
  value, normalized_value, as_of_year …) as numbers and dates as dates, in the
  admin's exports as in the public ones; CSV and JSON stay text.
* Imports that scale: the preview writes nothing (``save_instance`` on a dry
  run only checks), existing practices are prefetched by number, names of
  categories, sources and cities are looked up once per import, and the
  confirm rewrites the search words once at its end. Unreadable files (too
  large, malformed, a ragged row, a giant cell, a wrong encoding) raise
  ``ImportFileError`` with a one-line message naming the row; no error shows a
  traceback (``MessageOnlyError``).
* Public use: ``published_only`` (default True) restricts exports to
  published records (drafts never leak); the admin passes
  ``published_only=False``. Resources can be built without a request.

Practice entries
----------------
``cities`` lists the reporting cities in source order, separated by ";"
("青岛市;江阴市"). ``entries`` holds each city's text, in the same order, each
introduced by the city in 【】 at the start of a line::

    【青岛市】研发“青易办”企业开办掌上智能平台……
    【江阴市】推广“新办套餐”智能审批……

The markers must match ``cities`` exactly, in order. On import the listed
entries are created or updated and entries of cities no longer listed are
deleted (which needs the delete permission). A city name that exists in two
provinces is written "名称（省份）".

The package is split by subject; import from ``practices.resources`` itself:
``formulas`` and ``formats`` (files), ``cells`` and ``widgets`` (cells),
``base`` (CatalogueResource), one module per group of Resources, and
``exporting`` (exports to a file).
"""
from __future__ import annotations

from .base import CatalogueResource
from .cells import (
    ENTRY_MARKER,
    LIST_SEPARATOR,
    city_label,
    city_name_label,
    homonym_names,
    parse_entries,
    render_entries,
    render_labelled_entries,
    resolve_city,
    split_list,
)
from .exporting import export_dataset, export_file, spreadsheet_cell_types, typed_dataset, typed_row
from .formats import (
    CSV,
    FORMATS,
    JSON,
    MAX_CELL_CHARS,
    MAX_IMPORT_BYTES,
    XLSX,
    ImportDecodeError,
    ImportFileError,
    ImportHeaderError,
    decode_upload,
)
from .formulas import FORMULA_PREFIXES, neutralize_formulas, neutralize_value, restore_value
from .metrics import MetricResource
from .places import CategoryResource, CityResource, ProvinceResource
from .practices import EntriesField, PracticeResource
from .reports import CaseReportResource
from .widgets import (
    CategoryListWidget,
    ChoiceWidget,
    CityListWidget,
    NameForeignKeyWidget,
    PlainDecimalWidget,
    PlainIntegerWidget,
    StrictBooleanWidget,
    TextWidget,
)

__all__ = [
    "CSV", "ENTRY_MARKER", "FORMATS", "FORMULA_PREFIXES", "JSON", "LIST_SEPARATOR", "XLSX",
    "CaseReportResource", "CatalogueResource", "CategoryListWidget", "CategoryResource", "ChoiceWidget",
    "CityListWidget", "CityResource", "EntriesField", "ImportDecodeError", "ImportFileError", "ImportHeaderError",
    "MAX_CELL_CHARS", "MAX_IMPORT_BYTES", "MetricResource",
    "NameForeignKeyWidget", "PlainDecimalWidget", "PlainIntegerWidget", "PracticeResource", "ProvinceResource",
    "StrictBooleanWidget", "TextWidget", "city_label", "city_name_label", "decode_upload",
    "export_dataset", "export_file", "homonym_names", "neutralize_formulas", "neutralize_value", "parse_entries",
    "render_entries", "render_labelled_entries", "resolve_city", "restore_value", "spreadsheet_cell_types",
    "split_list", "typed_dataset", "typed_row",
]
