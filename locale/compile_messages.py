"""Compile every locale/<lang>/LC_MESSAGES/*.po to its .mo with polib: pure Python.

GNU gettext (msgfmt, which Django's compilemessages needs) is not guaranteed
on a fresh machine; polib is a pinned test requirement. Run after editing a
.po file and commit both files (tests/test_views_i18n.py fails when a .mo no
longer matches its .po):

    .venv/bin/python locale/compile_messages.py

Fuzzy and untranslated entries are left out of the .mo, as msgfmt does.
"""
from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent


def compile_catalogues(root: Path = LOCALE_DIR) -> list[Path]:
    """Write a .mo beside each .po under ``root``; return the .mo paths."""
    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogues():
        sys.stdout.write(f"compiled {path.relative_to(LOCALE_DIR.parent)}\n")
