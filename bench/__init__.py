"""The benchmark harness behind ``manage.py benchmark`` (and ``make bench``).

* ``bench.harness``: builds and caches one database per (engine, scale) and
  runs a measuring worker process against each;
* ``bench.measure``: the worker's measurements (test client, gunicorn over
  HTTP, SQL capture, exports, Datasette);
* ``bench.report``: tables, targets and the generated part of docs/performance.md.

See docs/performance.md for the method and the results.
"""
