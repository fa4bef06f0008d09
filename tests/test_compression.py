"""HTML, exports, feeds and the API are gzip-compressed when the client offers it (Lighthouse's text compression)."""
from __future__ import annotations

import gzip
import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/metrics/", "/practices/", "/api/practices/", "/practices/export.csv", "/feeds/practices.atom"])
def test_a_response_is_compressed_for_a_client_that_offers_gzip(client, catalogue, path):
    plain = client.get(path)
    compressed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain.status_code == compressed.status_code == 200
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    body = b"".join(compressed.streaming_content) if compressed.streaming else compressed.content
    raw = b"".join(plain.streaming_content) if plain.streaming else plain.content
    # Per-response values (the masked CSRF token, a CSP nonce) differ between any two responses.
    assert per_response_values_masked(gzip.decompress(body)) == per_response_values_masked(raw)
    assert len(body) < len(raw) / 2


def per_response_values_masked(body: bytes) -> bytes:
    return re.sub(rb'(csrfmiddlewaretoken" value="|nonce=")[^"]*', rb"\1", body)
