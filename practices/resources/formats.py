"""File formats (CSV, XLSX, JSON) and the decoding of uploads."""
from __future__ import annotations

import codecs
import json

import tablib
from import_export.formats import base_formats

from .formulas import neutralize_formulas


class ImportDecodeError(ValueError):
    """An uploaded text file is neither UTF-8 nor GB18030."""


class ImportHeaderError(ValueError):
    """The header row of an import file does not match the Resource's columns."""


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
        return tablib.import_set(decode_upload(in_stream), format="csv", **kwargs)

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(neutralize_formulas(dataset), **kwargs)


class XLSX(base_formats.XLSX):
    """XLSX with neutralised formulas."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralize_formulas(dataset), **kwargs)


class JSON(base_formats.JSON):
    """JSON (UTF-8, Chinese unescaped); no formula escaping: JSON is not a spreadsheet."""

    def create_dataset(self, in_stream, **kwargs):
        return tablib.import_set(decode_upload(in_stream), format="json", **kwargs)

    def export_data(self, dataset, **kwargs):
        return json.dumps(dataset.dict, ensure_ascii=False, indent=2, default=str) + "\n"


FORMATS = (CSV, XLSX, JSON)
