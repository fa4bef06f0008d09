"""A deterministic synthetic catalogue on top of the real one, for scale tests and benchmarks.

``synthetic_generate(practices=N, seed=S)`` adds N published practices built
from the loaded catalogue's own material:

* **Places**: the prefecture-level cities of the national gazetteer (cpca's
  table, as ``practices.importer.places`` reads it) in the 31 mainland
  provinces, about 300, with the slugs ``places.city_slug`` gives them. The
  four municipalities (北京, 天津, 上海, 重庆) have no prefecture-level city of
  their own in the gazetteer, so each stands as its own city.
* **Text**: each city entry recombines real sentences of the real entries of
  the same category: an opening sentence without figures, then sentences
  with figures until the entry reaches a drawn target of 2–6 metrics (about
  five on average). Practice names recombine a real name's leading verb with
  another real name's object (or keep a real name).
* **Metrics**: the real extractor (``importer.metrics.extract_metrics``) is
  run once on every pool sentence; an entry's metrics are its sentences'
  figures with shifted offsets. Sentences are self-contained for the
  extractor (labels and periods never cross a sentence), so this equals
  running the extractor on the whole entry, and a test checks it.
* **Case reports**: one per 20 practices, recombined from the real reports'
  sentences, about a province, its cities, one or two categories and up to
  five related synthetic practices; their metrics come from the extractor.

Everything hangs off one SourceDocument named ``synthetic-seed-<S>.txt``,
whose raw text is a JSON manifest (parameters, number range, the cities and
provinces the set had to create). Numbers continue after the highest
existing number. Every random choice comes from ``random.Random`` seeded by
(seed, record index), so the same seed over the same real catalogue gives
the same data, whatever the database (``synthetic_digest`` proves it).

Writes use ``bulk_create`` in batches inside one transaction: no ``save()``,
no signals, no history rows. ``synthetic_clear`` deletes with plain SQL
DELETEs (simple_history's delete signals would otherwise load and log every
row). Both finish by calling ``practices.search.search_index_rebuild`` for
the records they touched, since bulk writes bypass what keeps the index current.

Three modules, each standing on its own: ``material`` (naming a set, real vs
synthetic, the real sentences, the places), ``generation`` (synthetic_generate)
and ``clearing`` (synthetic_clear, synthetic_digest). Their public names are
importable from ``bench.synthetic`` itself.
"""
from __future__ import annotations

from .clearing import ClearResult, synthetic_clear, synthetic_digest
from .generation import (
    ENTRY_COUNT_WEIGHTS,
    MAX_REPORTS,
    MAX_SENTENCES,
    METRIC_TARGET,
    PRACTICES_PER_REPORT,
    PUBLISHED_EPOCH,
    GenerationResult,
    synthetic_generate,
)
from .material import (
    BATCH_SIZE,
    CHUNK_SIZE,
    EXCLUDED_PROVINCES,
    GENERATOR_VERSION,
    MUNICIPALITIES,
    NAME_VERBS,
    SOURCE_PREFIX,
    SOURCE_SUFFIX,
    CategoryPool,
    PlaceRows,
    Pool,
    Sentence,
    SyntheticError,
    build_pool,
    gazetteer_cities,
    province_short_name,
    real_practices,
    source_filename,
    split_sentences,
    synthetic_sources,
)

__all__ = [
    "BATCH_SIZE", "CHUNK_SIZE", "ENTRY_COUNT_WEIGHTS", "EXCLUDED_PROVINCES", "GENERATOR_VERSION", "MAX_REPORTS",
    "MAX_SENTENCES", "METRIC_TARGET", "MUNICIPALITIES", "NAME_VERBS", "PRACTICES_PER_REPORT", "PUBLISHED_EPOCH",
    "SOURCE_PREFIX", "SOURCE_SUFFIX", "CategoryPool", "ClearResult", "GenerationResult", "PlaceRows", "Pool",
    "Sentence", "SyntheticError", "build_pool", "gazetteer_cities", "province_short_name", "real_practices",
    "source_filename", "split_sentences", "synthetic_clear", "synthetic_digest", "synthetic_generate",
    "synthetic_sources",
]
