"""Writing generated tables into a hand-written Markdown file, between two marker comments.

The one owner of ``--update-docs`` for both commands: ``benchmark`` writes
docs/performance.md, ``loadtest`` docs/reliability.md, each between its own markers.
"""
from __future__ import annotations

from pathlib import Path


def docs_section_write(*, path: Path, begin: str, end: str, generated: str) -> None:
    """Replace the text between the markers ``begin`` and ``end`` of ``path`` with ``generated``
    (appending the markers and the text when the markers are absent); the rest is left alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{begin}\n\n{generated.rstrip()}\n\n{end}"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + block + tail
    else:
        text = text.rstrip() + ("\n\n" if text else "") + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
