"""Formula neutralisation: the quote that keeps a spreadsheet from running a cell, and its removal on import."""
from __future__ import annotations

import tablib

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_value(value):
    """Prefix a formula-like text cell with ``'`` (see the ``practices.resources`` docstring)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_value(value):
    """Undo :func:`neutralize_value`: drop one ``'`` before = + - @ tab or CR."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def neutralize_formulas(dataset: tablib.Dataset) -> tablib.Dataset:
    """Neutralise every formula-like text cell of ``dataset`` in place; returns it."""
    rows = [[neutralize_value(cell) for cell in row] for row in dataset]
    headers = dataset.headers
    dataset.wipe()
    dataset.headers = headers
    for row in rows:
        dataset.append(row)
    return dataset
