"""gunicorn's settings for every way the catalogue is served: ``gunicorn -c catalogue/gunicorn.py catalogue.wsgi``.

``make serve``, the benchmark and the load test all pass this file, so what
is measured is what is deployed. Command-line options (bind, workers) still
override it.
"""
# Import the application (and jieba's ~60 MB dictionary, see catalogue/wsgi.py) once
# in the master: the workers share those pages copy-on-write instead of each loading
# them at its first search (measured: +63 MiB per worker and a slow first search).
preload_app = True

# Long filter URLs (a search phrase percent-encoded, several filters) stay within one request line;
# gunicorn's default of 4094 bytes answered its own text/html 400 to 5-6 KB lines, outside the
# API's one error format (found by schemathesis). 8190 is the most gunicorn allows.
limit_request_line = 8190

# Two synchronous workers, one per core: a page is CPU work (rendering, or ~0.3 ms for a page-cache
# hit), and gthread's threads only queue on the GIL. Measured side by side on bench_10k (SQLite,
# 64 connections, page-cache hits): sync × 2 2,217 req/s (p99 38 ms) against gthread 2 × 4 806 req/s
# (p99 113 ms); cache misses at 16 connections: 140 against 109 req/s (docs/reliability.md).
worker_class = "sync"
workers = 2
