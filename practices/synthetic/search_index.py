"""Bringing the search index up to date after the bulk writes, when the search module can."""
from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Callable

from .sets import SyntheticError


def search_index_refresh(*, practices=None, case_reports=None,
                         progress: Callable[[str, int, int], None] | None = None) -> str:
    """Bring the search index up to date when ``practices.search.search_index_rebuild`` exists.

    ``practices`` and ``case_reports`` (QuerySets or ids) name the records the
    bulk write touched; both None means everything. Runs in the caller's
    transaction. Returns a one-line account for the command's output.
    """
    try:
        module = importlib.import_module("practices.search")
    except ImportError:
        return "没有 practices.search 模块：未重建搜索索引。"
    rebuild = getattr(module, "search_index_rebuild", None)
    if rebuild is None:
        return "practices.search 没有 search_index_rebuild()：未重建搜索索引。"
    parameters = inspect.signature(rebuild).parameters
    kwargs: dict[str, object] = {}
    if practices is not None or case_reports is not None:
        if {"practices", "case_reports"} <= parameters.keys():
            kwargs = {"practices": practices if practices is not None else [],
                      "case_reports": case_reports if case_reports is not None else []}
    if progress is not None and "progress" in parameters:
        kwargs["progress"] = progress
    started = time.perf_counter()
    try:
        outcome = rebuild(**kwargs)
    except Exception as exc:  # the search module's own failure: name it, roll back
        raise SyntheticError(f"重建搜索索引失败（practices.search.search_index_rebuild）：{exc}") from exc
    elapsed = time.perf_counter() - started
    scope = "合成记录" if kwargs.get("practices") is not None else "全部记录"
    detail = f"：{outcome}" if outcome not in (None, "") else ""
    return f"已调用 practices.search.search_index_rebuild() 重建搜索索引（{scope}，{elapsed:.1f} 秒）{detail}"
