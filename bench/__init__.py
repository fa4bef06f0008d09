"""Benchmark and load-test tooling: a Django app of its own, never installed by the public site.

``catalogue.settings`` leaves it out; ``bench.settings`` (``make bench``,
``make loadtest``) and ``catalogue.test_settings`` install it
(``bench.apps.BenchConfig``). The public site never imports it: a test proves it.

* ``bench.synthetic``: the deterministic synthetic catalogue (``manage.py generate_synthetic``);
* ``bench.harness``: builds and caches one database per (engine, scale) and
  runs a measuring worker process against each (``manage.py benchmark``);
* ``bench.measure``: the worker's measurements (test client, gunicorn over
  HTTP, SQL capture, exports, Datasette), with ``stats``, ``machine``,
  ``servers``, ``pages`` and ``sql``;
* ``bench.report``: tables, targets and the generated part of docs/performance.md;
* ``bench.loadtest``: gunicorn under wrk, optionally through a PostgreSQL restart
  (``manage.py loadtest``; docs/reliability.md);
* ``bench.docs``: writing a generated section between markers of a docs/*.md file.
"""
