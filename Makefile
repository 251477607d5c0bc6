# Duka: `make run` serves the store on http://127.0.0.1:8000, `make test` runs the test suite.
# Both create .venv and install the locked requirements first; only Python 3.11+ is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
UV := $(BIN)/uv
HOST ?= 127.0.0.1
PORT ?= 8000

# Locks for every platform (environment markers) and Python 3.11 and newer, with the hashes of every file of
# each pinned release, from PyPI (uv's default index; uv ignores pip's configuration). Pins already in the
# output file are kept unless the .in file needs otherwise.
LOCK := $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

.PHONY: install lock lock-upgrade lock-check run test test-fast test-cluster lint format migrate seed worker beat bench loadtest clean

# The settings default to production behaviour (DEBUG off, a real secret key required); the development
# targets turn DEBUG on unless the caller chose otherwise, and the tests always run with it.
run lint migrate seed worker beat: export DJANGO_DEBUG ?= 1
test test-fast: export DJANGO_DEBUG = 1
# Bytecode caches on for the test runs (some environments switch them off): they save each run, and each
# worker and server a test starts, compiling every module again.
test test-fast: export PYTHONDONTWRITEBYTECODE =

# uv, at the version and hashes of its pin in requirements-dev.txt, installs everything else.
$(UV):
	$(PYTHON) -m venv $(VENV)
	awk '/^uv==/ {found = 1} found && /^ +#/ {exit} found' requirements-dev.txt > $(VENV)/uv-requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r $(VENV)/uv-requirements.txt

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(UV)
	$(UV) pip sync --quiet --python $(PY) --require-hashes requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# After editing requirements.in or requirements-dev.in; `make lock-upgrade` (or UPGRADE=1) also moves
# every unpinned package to its newest release.
lock: | $(UV)
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) requirements-dev.in -o requirements-dev.txt

lock-upgrade:
	$(MAKE) lock UPGRADE=1

# Fails when a lock no longer matches its .in file: `make lock` runs on copies of the four files, and a
# regenerated lock keeps the pins it had, so a newer release on PyPI alone changes nothing.
lock-check: | $(UV)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp requirements.in requirements.txt requirements-dev.in requirements-dev.txt "$$tmp" && \
	if ! $(MAKE) --silent --no-print-directory -C "$$tmp" -f $(abspath Makefile) lock UV=$(abspath $(UV)) UPGRADE=; then \
		echo "The lock files could not be regenerated from requirements.in and requirements-dev.in." >&2; exit 1; \
	fi; \
	stale=0; for lock in requirements.txt requirements-dev.txt; do diff -u $$lock "$$tmp/$$lock" || stale=1; done; \
	if [ $$stale = 1 ]; then echo "The lock files are stale (diff above): run make lock and commit them." >&2; exit 1; fi; \
	echo "The lock files match requirements.in and requirements-dev.in."

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed

run: migrate
	$(PY) manage.py seed --if-empty
	@echo ""
	@echo "  Duka is starting on http://$(HOST):$(PORT)/"
	@echo "  Storefront: http://$(HOST):$(PORT)/shop/"
	@echo "  API docs (Swagger UI): http://$(HOST):$(PORT)/api/docs/"
	@echo "  Redoc: http://$(HOST):$(PORT)/api/redoc/   Admin: http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

# The inner loop: everything but the tiers marked in pytest.ini (races, real workers and servers, the browser,
# the schema fuzzing and other slow tests); `make test` still runs them all. It runs on FAST_WORKERS processes
# (pytest-xdist), each with a test database and Redis databases of its own. The contract module is not even
# collected: it builds its fuzzing tests from the OpenAPI schema as it is imported, about 7 s.
FAST_TIER := not slow and not race and not contract and not browser and not worker
FAST_WORKERS ?= 2

test-fast: install
	$(PY) -m pytest -n $(FAST_WORKERS) -m "$(FAST_TIER)" --ignore duka_app/tests/test_api_contract.py

# Several servers: two gunicorns, two workers and beat through PgBouncer (transaction mode) with a streaming read
# replica, then the production smoke test through PgBouncer (.ci/cluster; needs DATABASE_URL, REDIS_URL, pgbouncer).
test-cluster: export PYTHONDONTWRITEBYTECODE =
test-cluster: install
	bash .ci/cluster

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A duka_app worker --loglevel INFO

beat: install
	@mkdir -p .data
	$(BIN)/celery -A duka_app beat --loglevel INFO --schedule .data/celerybeat-schedule

# `make bench` (BENCH_QUICK=1 for a smoke run): the SPEC section 7 figures against gunicorn, PostgreSQL
# and Redis on loopback. wrk comes from Debian when missing (as root); otherwise a Python load generator.
bench: install
	@if ! command -v wrk >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing wrk from Debian"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq wrk >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; } || \
		echo "wrk could not be installed: the benchmark falls back to its Python load generator"; \
	fi
	$(PY) -m bench

# `make loadtest`: a shopper mix (browse, cart, checkout and pay) at rising concurrency until the p99 passes
# LOADTEST_P99_MS (500); the orders/s and catalog req/s sustained below it, and the errors (there must be none).
loadtest: install
	$(PY) -m bench.loadtest

clean:
	rm -rf $(VENV) staticfiles
