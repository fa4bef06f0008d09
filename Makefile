# Two commands: `make run` (set up and serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/catalogue
# Tests never need a real secret; production must set DJANGO_SECRET_KEY itself.
TEST_ENV := DJANGO_SECRET_KEY=test-only-not-a-secret DJANGO_DEBUG=0
DEV_ENV  := DJANGO_DEBUG=1

.PHONY: serve install install-test run setup admin test test-fast lint test-sqlite test-postgres postgres-ready browser-deps loadtest-deps fixtures schema clean bench loadtest

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: virtualenv, install, a development .env, migrate, load the catalogue, serve http://127.0.0.1:8000
# A development .env (debug on, a random secret key) when there is none, so that every
# `.venv/bin/python manage.py …` line of the README works afterwards too. An existing .env is kept.
.env:
	@umask 077; { echo "# Written by make run for development (debug on). Production: see .env.example."; \
	  echo "DJANGO_DEBUG=1"; \
	  echo "DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')"; } > $@
	@echo "wrote .env (DJANGO_DEBUG=1 and a random DJANGO_SECRET_KEY)"

setup: install .env
	mkdir -p var
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEV_ENV) $(BIN)/python manage.py createcachetable
	$(DEV_ENV) $(BIN)/python manage.py load_catalogue

ADMIN_PATH = $(shell $(DEV_ENV) $(BIN)/python -c "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'catalogue.settings'); django.setup(); from django.urls import reverse; print(reverse('admin:index'))" 2>/dev/null)

run: setup
	@echo ""
	@echo "  网站：    http://127.0.0.1:8000/"
	@echo "  管理后台：http://127.0.0.1:8000$(ADMIN_PATH)"
	@echo "  第一次使用：在另一个终端运行 make admin，按提示创建管理员账号和密码，再登录管理后台。"
	@echo ""
	@# The background-job worker (large spreadsheet imports, practices/import_jobs.py) runs beside the
	@# server; Ctrl-C stops both (the worker finishes its current job first).
	$(DEV_ENV) $(BIN)/python manage.py db_worker --no-reload -v0 & \
	  $(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## make admin: create the first admin account (asks for a user name and a password)
admin: install .env
	$(DEV_ENV) $(BIN)/python manage.py createsuperuser

## make serve: gunicorn on 127.0.0.1:8000 with the production settings (DJANGO_DEBUG off).
# Needs DJANGO_SECRET_KEY in the environment or in .env (settings.py reads .env). Plain HTTP on loopback, so the
# HTTPS redirect is off unless you set DJANGO_SECURE_SSL_REDIRECT=1.
serve: install
	@test -n "$$DJANGO_SECRET_KEY" || grep -qs '^DJANGO_SECRET_KEY=.' .env || \
	  { echo "make serve: set DJANGO_SECRET_KEY in the environment or in .env (see .env.example)" >&2; exit 1; }
	mkdir -p var
	DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=0 $(BIN)/python manage.py createcachetable
	DJANGO_DEBUG=0 $(BIN)/python manage.py load_catalogue
	DJANGO_DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=0 $(BIN)/python manage.py db_worker -v0 & \
	DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=$${DJANGO_SECURE_SSL_REDIRECT:-0} \
	  DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
	  $(BIN)/gunicorn -c catalogue/gunicorn.py catalogue.wsgi --bind 127.0.0.1:8000 --access-logfile -

## make test: lint, then the whole suite on SQLite, then on PostgreSQL (about 20 minutes; see README)
# The "ci" hypothesis profile: 10,000 parser cases and 10,200 query-parameter cases (half per database).
test: install-test browser-deps loadtest-deps lint test-sqlite test-postgres

## make test-fast: lint, then every test not marked slow or browser, on SQLite (about 2.5 minutes; no root, no apt)
test-fast: install-test lint
	@echo "== pytest on SQLite: not slow, not browser =="
	@$(call run_pytest,$(TEST_ENV) DATABASE_URL=,$(XDIST) -m "not slow and not browser")

lint: install-test
	$(BIN)/ruff check .

# pytest-xdist over the machine's 2 cores halves a database pass (measured: SQLite 6.3 -> 3.4 min).
# The browser tests run in a second, serial invocation: they share one live server over the
# session's catalogue and must run last (see tests/conftest.py), which xdist's scheduling cannot promise.
PYTEST_WORKERS ?= 2
XDIST := -n $(PYTEST_WORKERS)

# pytest exits 5 when it collected no test: that is a broken suite, not a pass.
define run_pytest
	$(1) $(BIN)/pytest $(2); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	exit $$status
endef

test-sqlite: install-test
	@echo "== pytest on SQLite =="
	@$(call run_pytest,$(TEST_ENV) HYPOTHESIS_PROFILE=ci DATABASE_URL=,$(XDIST) -m "not browser")
	@echo "== pytest on SQLite: browser tests =="
	@$(call run_pytest,$(TEST_ENV) DATABASE_URL=,-m browser)

# tests/importer is pure Python (no database, no Django): the SQLite pass has run it already.
test-postgres: install-test postgres-ready
	@echo "== pytest on PostgreSQL ($(PG_URL)) =="
	@$(call run_pytest,$(TEST_ENV) HYPOTHESIS_PROFILE=ci DATABASE_URL=$(PG_URL),$(XDIST) -m "not browser" --ignore=tests/importer)
	@echo "== pytest on PostgreSQL ($(PG_URL)): browser tests =="
	@$(call run_pytest,$(TEST_ENV) DATABASE_URL=$(PG_URL),-m browser)

# Start the local cluster if it is down; fail loudly if it still cannot be reached.
postgres-ready:
	@bash .ci/postgres-ready

# Debian's chromium for the browser tests (never a Playwright browser download).
browser-deps:
	@bash .ci/browser-deps

# Debian's wrk for the load test and its test (tests/test_loadtest.py fails, never skips, without it).
loadtest-deps:
	@bash .ci/loadtest-deps

## make fixtures: rebuild fixtures/catalogue.json from the sources in a scratch database
fixtures: install
	rm -f var/fixtures.sqlite3
	mkdir -p var
	DATABASE_URL=sqlite:///$(CURDIR)/var/fixtures.sqlite3 $(DEV_ENV) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///$(CURDIR)/var/fixtures.sqlite3 $(DEV_ENV) $(BIN)/python manage.py load_catalogue -v0
	DATABASE_URL=sqlite:///$(CURDIR)/var/fixtures.sqlite3 $(DEV_ENV) $(BIN)/python manage.py export_catalogue
	rm -f var/fixtures.sqlite3

## make schema: regenerate docs/openapi.yaml (commit it) from the code and a freshly loaded catalogue
# The lookup parameters' enums are the catalogue's values, so the schema is generated from the sources'
# catalogue in a scratch database, as the suite loads it (tests/test_api_schema.py compares the two).
schema: install
	rm -f var/schema.sqlite3
	mkdir -p var
	DATABASE_URL=sqlite:///$(CURDIR)/var/schema.sqlite3 $(DEV_ENV) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///$(CURDIR)/var/schema.sqlite3 $(DEV_ENV) $(BIN)/python manage.py load_catalogue -v0
	DATABASE_URL=sqlite:///$(CURDIR)/var/schema.sqlite3 $(DEV_ENV) $(BIN)/python manage.py spectacular \
	  --file docs/openapi.yaml --lang zh-hans --validate --fail-on-warn
	rm -f var/schema.sqlite3

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

## make bench: the benchmark (72, 10k, 100k practices on SQLite and PostgreSQL; see docs/performance.md)
# Databases are built once and cached under var/bench (and as bench_* on PostgreSQL).
BENCH_ARGS ?=
$(VENV)/.installed-bench: requirements-bench.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.installed-bench postgres-ready
	DJANGO_SETTINGS_MODULE=bench.settings DJANGO_SECRET_KEY=benchmark-only-not-a-secret DJANGO_DEBUG=0 $(BIN)/python manage.py benchmark --update-docs $(BENCH_ARGS)

## make loadtest: gunicorn (production settings) under wrk on loopback, default against bench_100k (see docs/reliability.md)
# LOADTEST_ARGS="--database-url postgres://postgres@127.0.0.1:5432/bench_10k --duration 20"
# LOADTEST_ARGS="--restart-postgres-at 20 --duration 60"   (restarts the local PostgreSQL cluster once)
LOADTEST_ARGS ?=
loadtest: install loadtest-deps postgres-ready
	DJANGO_SETTINGS_MODULE=bench.settings DJANGO_SECRET_KEY=loadtest-only-not-a-secret DJANGO_DEBUG=0 $(BIN)/python manage.py loadtest $(LOADTEST_ARGS)
