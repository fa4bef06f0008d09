"""practices.cache_backends: the page cache's file backend lists its directory on few writes, and stays bounded."""
from __future__ import annotations

from practices.cache_backends import OccasionalCullFileCache


def test_the_file_cache_scans_its_directory_on_one_write_in_cull_every_and_stays_bounded(tmp_path, monkeypatch):
    cache = OccasionalCullFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_EVERY": 5,
                                                                 "CULL_FREQUENCY": 2}})
    scans = []
    listing = cache._list_cache_files
    monkeypatch.setattr(cache, "_list_cache_files", lambda: scans.append(1) or listing())
    for index in range(60):
        cache.set(f"page-{index}", b"x" * 10)
    assert len(scans) == 12  # writes 0, 5, 10, … 55
    stored = len(listing())
    assert 0 < stored <= 10 + 5  # MAX_ENTRIES, overshot by at most CULL_EVERY
    assert cache.get("page-59") == b"x" * 10  # the newest write is always kept


def test_without_cull_every_the_default_is_one_write_in_a_hundred(tmp_path):
    cache = OccasionalCullFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 5}})
    assert cache.cull_every == 100 and cache._max_entries == 5
