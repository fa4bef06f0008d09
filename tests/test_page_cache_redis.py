"""The page cache on Redis (REDIS_URL): the backend several machines share. Runs where a Redis answers."""
from __future__ import annotations

import os
import socket

import pytest
from django.core.cache import caches

from practices.page_cache import PAGE_CACHE_ALIAS

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379 (the file cache is the default)"),
]


def test_pages_are_stored_in_redis_and_served_from_it(client, catalogue, settings):
    settings.CACHES = {**settings.CACHES, PAGE_CACHE_ALIAS: {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"test-{os.getpid()}"}}
    caches[PAGE_CACHE_ALIAS].clear()
    try:
        assert client.get("/practices/")["X-Page-Cache"] == "miss"
        hit = client.get("/practices/")
        assert hit["X-Page-Cache"] == "hit" and b"<h1>" in hit.content
    finally:
        caches[PAGE_CACHE_ALIAS].clear()
