"""The URL files of a load test, built from the target database's facts (pure: no Django, no database).

A *scenario* names the hot set, a fixed list of paths that the health check fetches (so with the
page cache on they are stored, and every later request for them is a hit):

* ``mix``: home, filtered lists, search, detail pages, the API (``MIX``), and on the miss side a
  CSV export of a small filter (``EXPORT_SHARE`` % of the lines; exports stream, so the page
  cache never stores them) and cold URLs;
* ``cached``: the pages issue 16 calls cached (``CACHED``), all hits after the health check;
* ``category-miss``: only ``/practices/?category=<slug>`` (every category in turn), page cache off.

With a hit share P between 0 and 100 (``mix`` only), every wrk run gets its own file in which
(100 − P) % of the lines are misses: the export, and *cold* URLs (:class:`ColdPool`) that no other
file of the load test holds, not even the health check's. Misses are spread evenly: every block of
``BLOCK`` lines holds its share (± 1), placed within the block by a seeded shuffle.

wrk's threads walk the file round-robin, thread i from line ⌊N·i/T⌋: a cold URL is requested twice
only when a thread walks past the start of the next thread's segment, so the file is sized from the
measured throughput × duration × a safety factor, and mix.lua reports how far each thread walked.
"""
from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from urllib.parse import urlencode

SCENARIOS = ("mix", "cached", "category-miss")
SEARCH_TERMS = ("融资", "无还本续贷")
# The hot set of the mix (98 paths; a third of them detail pages, spread over all numbers).
MIX = {"home": 5, "list_category": 15, "list_city": 10, "list_category_city": 10, "search": 10,
       "detail": 38, "api_category": 10}
# The cached scenario: list, filtered list, detail, city, home, API list.
CACHED = {"home": 10, "list": 10, "list_category": 15, "list_city": 10, "list_category_city": 10,
          "detail": 25, "city": 10, "api_list": 10}
EXPORT_SHARE = 2  # % of the mix's lines: the CSV export of a small filter
BLOCK = 20  # every stretch of BLOCK lines holds the asked share (± 1 line)
# Cold URLs by kind, per round of the pool: detail pages, list pages (?page=N), API pages, city pages.
COLD_WEIGHTS = {"detail": 10, "list_page": 5, "api_page": 3, "place": 2}
LIST_PER_PAGE = 20
API_PAGE_SIZE = 20


def _cycle(items: list, n: int) -> list:
    return [items[i % len(items)] for i in range(n)] if items else []


def spread(numbers: list[int], count: int) -> list[int]:
    """``count`` numbers spread evenly over the sorted ``numbers``."""
    count = max(1, min(count, len(numbers)))
    return sorted({numbers[i * (len(numbers) - 1) // max(count - 1, 1)] for i in range(count)})


def hot_paths(scenario: str, facts: dict, *, seed: int, detail_pages: int | None = None) -> tuple[list[str], dict]:
    """(paths shuffled with ``seed``, {kind: count}) of the scenario's hot set."""
    categories, cities = facts["categories"], facts["cities"]
    if scenario == "category-miss":
        paths = ["/practices/?" + urlencode({"category": c}) for c in categories]
        return paths, {"list_category": len(paths)}
    counts = dict(MIX if scenario == "mix" else CACHED)
    details = spread(facts["numbers"], detail_pages or counts["detail"])
    kinds: dict[str, list[str]] = {
        "home": ["/"] * counts["home"],
        "list": ["/practices/"] * counts.get("list", 0),
        "list_category": ["/practices/?" + urlencode({"category": c}) for c in _cycle(categories, counts["list_category"])],
        "list_city": ["/practices/?" + urlencode({"city": c}) for c in _cycle(cities, counts["list_city"])],
        "list_category_city": ["/practices/?" + urlencode({"category": cat, "city": town}) for cat, town in zip(
            _cycle(categories, counts["list_category_city"]), _cycle(cities[::-1], counts["list_category_city"]),
            strict=True)],
        "search": ["/practices/?" + urlencode({"q": q}) for q in _cycle(list(SEARCH_TERMS), counts.get("search", 0))],
        "detail": [f"/practices/{n}/" for n in _cycle(details, counts["detail"])],
        "city": [f"/cities/{c}/" for c in _cycle(cities, counts.get("city", 0))],
        "api_category": ["/api/practices/?" + urlencode({"category": c})
                         for c in _cycle(categories, counts.get("api_category", 0))],
        "api_list": ["/api/practices/"] * counts.get("api_list", 0),
    }
    paths = [path for group in kinds.values() for path in group]
    random.Random(seed).shuffle(paths)
    return paths, {name: len(group) for name, group in kinds.items() if group}


def export_path(facts: dict) -> str:
    return "/practices/export.csv?" + facts["export"]["query"]


def datasette_paths(facts: dict, database: str) -> list[str]:
    """Datasette's table page equivalent of /practices/?category=<slug>, in the same order of categories."""
    table = f"/{database}/practices_practice?"
    base = {"status__exact": "published", "_sort": "number", "_size": str(LIST_PER_PAGE)}
    return [table + urlencode(base | {"category_id__exact": str(facts["category_ids"][c])})
            for c in facts["categories"]]


class ColdPool:
    """Distinct URLs that no hot set holds, handed out once each, the kinds interleaved by COLD_WEIGHTS.

    Real pages first (detail pages of the numbers not in the hot set, list and API pages 2…N under
    the mix's filters, city and category pages; in Chinese, then English). When they run out (a
    small catalogue), list pages past the end (``/practices/?page=<last + k>``, which render the
    last page with a notice, under a key of their own) are counted as ``past_end``.
    """

    def __init__(self, facts: dict, *, exclude: set[str], seed: int):
        self.exclude = set(exclude)
        self.handed: dict[str, int] = {}
        rng = random.Random(seed)
        self.sources = {kind: self._source(kind, facts, rng) for kind in COLD_WEIGHTS}
        self.past_end_page = math.ceil(facts["practices_published"] / LIST_PER_PAGE) + 1
        self.order = [kind for kind, weight in COLD_WEIGHTS.items() for _ in range(weight)]
        rng.shuffle(self.order)
        self.turn = 0

    @staticmethod
    def _source(kind: str, facts: dict, rng: random.Random) -> Iterator[str]:
        if kind == "detail":
            numbers = list(facts["numbers"])
            rng.shuffle(numbers)
            return itertools.chain((f"/practices/{n}/" for n in numbers), (f"/en/practices/{n}/" for n in numbers))
        if kind == "list_page":
            counts = {"": facts["practices_published"]} | {
                urlencode({"category": c}): facts["category_counts"][c] for c in facts["categories"]} | {
                urlencode({"city": c}): facts["city_counts"][c] for c in facts["cities"]}
            pages = [(query, n) for query, count in counts.items()
                     for n in range(2, math.ceil(count / LIST_PER_PAGE) + 1)]
            rng.shuffle(pages)
            firsts = [(query, 1) for query in counts]  # ?page=1 is a key of its own
            return (f"{lang}/practices/?" + "&".join(filter(None, (query, f"page={n}")))
                    for lang in ("", "/en") for query, n in pages + firsts)
        if kind == "api_page":
            counts = {"": facts["practices_published"]} | {
                urlencode({"category": c}): facts["category_counts"][c] for c in facts["categories"]}
            pages = [(query, n) for query, count in counts.items()
                     for n in range(2, math.ceil(count / API_PAGE_SIZE) + 1)]
            rng.shuffle(pages)
            return ("/api/practices/?" + "&".join(filter(None, (query, f"page={n}"))) for query, n in pages)
        places = [f"/cities/{c}/" for c in facts["all_cities"]] + [f"/categories/{c}/" for c in facts["categories"]]
        rng.shuffle(places)
        return (lang + path for lang in ("", "/en") for path in places)

    def _next_real(self) -> tuple[str, str] | None:
        for _ in range(len(self.order)):
            kind = self.order[self.turn % len(self.order)]
            self.turn += 1
            source = self.sources.get(kind)
            while source is not None:
                path = next(source, None)
                if path is None:
                    del self.sources[kind]
                    break
                if path not in self.exclude:
                    return kind, path
            if not self.sources:
                return None
        return None

    def take(self, n: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            found = self._next_real() if self.sources else None
            if found is None:
                found = ("past_end", f"/practices/?page={self.past_end_page}")
                self.past_end_page += 1
            kind, path = found
            self.exclude.add(path)
            self.handed[kind] = self.handed.get(kind, 0) + 1
            out.append(path)
        return out

    def probes(self) -> list[str]:
        """One URL of every real kind (for the health check; never handed out again)."""
        out = []
        for kind in list(self.sources):
            source = self.sources[kind]
            for path in source:
                if path not in self.exclude:
                    self.exclude.add(path)
                    out.append(path)
                    break
        return out


def miss_positions(lines: int, miss_share: float, *, seed: int) -> list[bool]:
    """For each line, whether it is on the miss side: ``miss_share`` (0–1) of every BLOCK lines (± 1)."""
    rng = random.Random(seed)
    flags: list[bool] = []
    for start in range(0, lines, BLOCK):
        size = min(BLOCK, lines - start)
        misses = math.floor(miss_share * (start + size) + 1e-9) - math.floor(miss_share * start + 1e-9)
        block = [True] * misses + [False] * (size - misses)
        rng.shuffle(block)
        flags += block
    return flags


def build_lines(hot: list[str], *, lines: int, hit_share: float, pool: ColdPool | None, export: str | None,
                seed: int) -> list[tuple[str, str]]:
    """``lines`` (class, path) pairs: hot paths in turn, and on the miss side (100 − hit_share) % the
    export (EXPORT_SHARE % of all lines, when given) and cold URLs from ``pool``, each used once."""
    miss_share = (100 - hit_share) / 100 if pool is not None else 0.0
    flags = miss_positions(lines, miss_share, seed=seed)
    misses = sum(flags)
    export_share = min(EXPORT_SHARE / 100, miss_share) / miss_share if (export and miss_share) else 0.0
    exports = miss_positions(misses, export_share, seed=seed + 1) if misses else []
    cold = iter(pool.take(misses - sum(exports)) if pool is not None else [])
    out: list[tuple[str, str]] = []
    hot_index = miss_index = 0
    for is_miss in flags:
        if not is_miss:
            out.append(("hot", hot[hot_index % len(hot)]))
            hot_index += 1
            continue
        out.append(("export", export) if exports[miss_index] else ("cold", next(cold)))
        miss_index += 1
    return out


def with_exports(hot: list[str], export: str, *, seed: int) -> list[tuple[str, str]]:
    """The hot set with the export at EXPORT_SHARE % of the lines (page cache off: every line renders)."""
    lines = max(len(hot), math.ceil(len(hot) * 100 / (100 - EXPORT_SHARE)))
    flags = miss_positions(lines, EXPORT_SHARE / 100, seed=seed)
    hot_iter = itertools.cycle(hot)
    return [("export", export) if flag else ("hot", next(hot_iter)) for flag in flags]


def run_lines(rate_rps: float, duration: int, *, safety: float, minimum: int) -> int:
    """How many lines a run's file needs so that wrk does not wrap: rate × duration × safety."""
    return max(minimum, math.ceil(rate_rps * duration * safety))


def segments(lines: int, threads: int) -> list[int]:
    """How many lines each wrk thread has before it reaches the next thread's start (as mix.lua splits)."""
    starts = [lines * i // threads for i in range(threads)] + [lines]
    return [starts[i + 1] - starts[i] for i in range(threads)]


def write_lines(path, lines: list[tuple[str, str]], header: str) -> dict:
    """The file mix.lua reads: ``<class> <path>`` per line; returns the counts by class."""
    counts: dict[str, int] = {}
    for cls, _ in lines:
        counts[cls] = counts.get(cls, 0) + 1
    path.write_text(f"# {header}\n" + "".join(f"{cls} {p}\n" for cls, p in lines), encoding="utf-8")
    return {"file": str(path), "lines": len(lines), "by_class": counts}
