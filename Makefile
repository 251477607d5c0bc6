# Duka: `make run` serves the store on http://127.0.0.1:8000, `make test` runs the test suite.
# Both create .venv and install the pinned requirements first; only Python 3.11+ is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format migrate seed worker beat bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed

run: migrate
	$(PY) manage.py seed --if-empty
	@echo ""
	@echo "  Duka is starting on http://$(HOST):$(PORT)/"
	@echo "  API docs (Swagger UI): http://$(HOST):$(PORT)/api/docs/"
	@echo "  Redoc: http://$(HOST):$(PORT)/api/redoc/   Admin: http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

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

clean:
	rm -rf $(VENV) staticfiles
