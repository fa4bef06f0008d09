"""Committed files generated from a package's data (the map's shapes, the city positions): write or check."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError


def write_or_check(path: Path, text: str, *, check: bool, source: str, command: str) -> str:
    """Write ``text`` to ``path``, or with ``check`` only compare; the line to print. CommandError on a mismatch."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if check:
        if text != current:
            raise CommandError(f"{path} 与 {source} 生成的结果不一致：请运行 {command}。")
        return f"{path.name} 与 {source} 一致。"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"已写入 {path}（{len(text.encode()):,} 字节，{source}）。"
