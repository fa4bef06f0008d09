"""File formats (CSV, XLSX, JSON) and the decoding of uploads."""
from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
from collections.abc import Callable, Iterable

import tablib
from import_export.formats import base_formats

from .formulas import neutralize_formulas


class ImportDecodeError(ValueError):
    """An uploaded text file is neither UTF-8 nor GB18030."""


class ImportHeaderError(ValueError):
    """The header row of an import file does not match the Resource's columns."""


class ImportFileError(ImportDecodeError):
    """An upload that cannot be read: too large, malformed, a ragged row or a giant cell (one-line message).

    A subclass of ImportDecodeError, whose message the admin's import form shows as it is.
    """


# An import is read whole into memory and checked in one request: beyond this, split the file.
MAX_IMPORT_BYTES = 32 * 1024 * 1024
# One cell (Python's csv default field limit; a practice's longest entries cell is far shorter).
MAX_CELL_CHARS = 131_072


def check_upload_size(data: bytes | str) -> None:
    size = len(data)
    if size > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"文件太大（{size / 1048576:.1f} MB）：一次最多导入 {MAX_IMPORT_BYTES // 1048576} MB，请拆成几个文件分别导入。"
        )


def check_cell(value, *, line: int, column: int) -> None:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise ImportFileError(
            f"第 {line} 行第 {column} 列的单元格有 {len(value):,} 个字符，超过上限 {MAX_CELL_CHARS:,}：请检查该单元格。"
        )


def rows_to_dataset(rows: list[list]) -> tablib.Dataset:
    """A Dataset from a header row and data rows; a row of another width or a giant cell is an error naming it."""
    rows = [row for row in rows if any(cell not in (None, "") for cell in row)]
    if not rows:
        raise ImportFileError("文件是空的：第 1 行应为表头。")
    headers = list(rows[0])
    for line, row in enumerate(rows, start=1):
        for column, cell in enumerate(row, start=1):
            check_cell(cell, line=line, column=column)
    dataset = tablib.Dataset(headers=headers)
    for line, row in enumerate(rows[1:], start=2):
        if len(row) > len(headers) and all(cell in (None, "") for cell in row[len(headers):]):
            row = row[:len(headers)]  # trailing empty cells (a spreadsheet's stray commas)
        if len(row) != len(headers):
            raise ImportFileError(
                f"第 {line} 行有 {len(row)} 列，而表头有 {len(headers)} 列：请检查该行的逗号和引号。"
            )
        dataset.append(row)
    return dataset


def decode_upload(data: bytes | str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (Excel "CSV" on Chinese Windows, a superset of GBK)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
    raise ImportDecodeError(
        "无法识别文件编码：请把文件另存为 UTF-8（可带 BOM）或 GB18030/GBK 编码的 CSV 后重新导入。"
    )


class CSV(base_formats.CSV):
    """CSV: reads UTF-8/UTF-8-BOM/GB18030, writes UTF-8 with BOM and neutralised formulas."""

    def create_dataset(self, in_stream, **kwargs):
        check_upload_size(in_stream)
        reader = csv.reader(io.StringIO(decode_upload(in_stream), newline=""))
        rows = []
        try:
            for row in reader:
                rows.append(row)
        except csv.Error as exc:
            # The usual cause: a cell over the field limit, or an unclosed quote running to the end.
            raise ImportFileError(
                f"第 {reader.line_num} 行无法读取（{exc}）：请检查该行的引号，以及是否有超长的单元格。"
            ) from exc
        return rows_to_dataset(rows)

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(neutralize_formulas(dataset), **kwargs)


def typed_row(row: Iterable, types: list[Callable | None]) -> list:
    """``row`` with number and date columns as Decimal/int/date (empty cells None); text left alone."""
    cells = []
    for cell, to_type in zip(row, types, strict=True):
        if to_type is None or not isinstance(cell, str):
            cells.append(cell)
            continue
        typed = to_type(cell) if cell.strip() else None
        # openpyxl has no timezone-aware datetimes; a date column stays a date.
        if isinstance(typed, datetime.datetime) and typed.tzinfo is not None:
            typed = typed.replace(tzinfo=None)
        cells.append(typed)
    return cells


class XLSX(base_formats.XLSX):
    """XLSX with neutralised formulas, and typed number and date cells.

    A Resource's export carries ``cell_types`` (CatalogueResource.export):
    those columns are written as numbers and dates, so that sorting and sums
    work in Excel/LibreOffice, whoever exports (the admin, the public
    exports). Only text can be a formula, so typed cells need no quote.
    """

    def create_dataset(self, in_stream, **kwargs):
        check_upload_size(in_stream)
        try:
            dataset = super().create_dataset(in_stream, **kwargs)
        except Exception as exc:  # openpyxl raises zip, XML and value errors of many kinds
            raise ImportFileError(f"不是有效的 XLSX 文件（{type(exc).__name__}）：请用 Excel/WPS 另存为 .xlsx 后重新导入。") from exc
        return rows_to_dataset([list(dataset.headers or []), *(list(row) for row in dataset)])

    def export_data(self, dataset, **kwargs):
        types = getattr(dataset, "cell_types", None)
        if types and len(types) == dataset.width:
            typed = tablib.Dataset(*(typed_row(row, types) for row in dataset), headers=dataset.headers)
            typed.title = dataset.title
            dataset = typed
        return super().export_data(neutralize_formulas(dataset), **kwargs)


class JSON(base_formats.JSON):
    """JSON (UTF-8, Chinese unescaped); no formula escaping: JSON is not a spreadsheet."""

    def create_dataset(self, in_stream, **kwargs):
        check_upload_size(in_stream)
        try:
            records = json.loads(decode_upload(in_stream))
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"JSON 第 {exc.lineno} 行第 {exc.colno} 列无法解析（{exc.msg}）。") from exc
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ImportFileError("JSON 应为对象的列表：[{\"列名\": 值, …}, …]。")
        headers = list(dict.fromkeys(key for record in records for key in record))
        if not records:
            raise ImportFileError("文件是空的：JSON 列表里没有记录。")
        return rows_to_dataset([headers, *([record.get(h) for h in headers] for record in records)])

    def export_data(self, dataset, **kwargs):
        return json.dumps(dataset.dict, ensure_ascii=False, indent=2, default=str) + "\n"


FORMATS = (CSV, XLSX, JSON)
