# backcare: `make run` to try it, `make test` to prove it. Both set everything up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

POSTGRES_URL ?= postgres://backcare:backcare@127.0.0.1:5432/backcare
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: help run serve screenshots test test-postgres test-py312 deploy-check cluster-check lint format chromium services bench login-flood clean

help:
	@echo "make run    set up, load content and serve http://$(HOST):$(PORT) (admin at /admin/)"
	@echo "make test   set up and run every test, browser tests included"
	@echo "make serve  production mode locally: DEBUG off, collectstatic, gunicorn"
	@echo "make test-postgres  every test again on PostgreSQL with Redis (starts both)"
	@echo "make cluster-check  two gunicorn instances behind nginx: shared sessions, edits, a stop"
	@echo "make deploy-check  check --deploy, migrations, content and collectstatic in production mode"
	@echo "make lint   django-upgrade, ruff, djade and mypy --strict (pre-commit hooks)"
	@echo "make screenshots  390x844 pictures, light and dark, of every page and checker state"
	@echo "make bench  load test: backcare vs bare Django under gunicorn, page weight, soak"
	@echo "make login-flood  flood the admin log-in, time a public page (limits off, then on)"

# The virtual environment, rebuilt when pyproject.toml changes.
$(STAMP): pyproject.toml
	@py=$$(scripts/find-python) && echo "Using $$py ($$($$py --version))" && \
	  { [ -x $(PY) ] || $$py -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: export DEBUG ?= true
run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_content
	$(PY) manage.py dev_admin --site http://$(HOST):$(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: $(STAMP)
	scripts/serve

# Not a test: figures against targets (misses exit 0; soak errors exit 1, no run exits 2).
bench: $(STAMP)
	$(PY) -m scripts.bench

# Not a test: floods the admin log-in and times a public page, limits off and on.
login-flood: $(STAMP)
	$(PY) scripts/login_flood.py

chromium:
	@scripts/ensure-chromium

services:
	@scripts/services

test: $(STAMP) chromium
	$(BIN)/pytest

test-postgres: $(STAMP) chromium services
	DATABASE_URL=$(POSTGRES_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest

# The same code on the oldest Python we support (browser tests need only one run).
test-py312:
	@py=$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3 2>/dev/null | head -n 1); \
	  [ -n "$$py" ] || py=$$(command -v python3.12); \
	  { [ -n "$$py" ] && "$$py" -c 'import sys' 2>/dev/null; } || { echo "Python 3.12 not found"; exit 1; }; \
	  { [ -x .venv312/bin/python ] || $$py -m venv .venv312; } && \
	  .venv312/bin/python -m pip install --quiet -e '.[dev]' && \
	  .venv312/bin/pytest -m "not browser" -p no:cacheprovider

deploy-check: $(STAMP)
	scripts/deploy-check

# Two instances behind nginx on loopback (installs nginx, starts PostgreSQL and Redis).
cluster-check: $(STAMP)
	$(PY) -m scripts.cluster_check

# Phone-sized pictures (390x844, light and dark) of every page type and checker state.
screenshots: $(STAMP) chromium
	$(BIN)/pytest tests/screenshots.py -p no:cacheprovider -q
	@echo "Screenshots in $${SCREENSHOTS_DIR:-screenshots}/"

# The hooks in .pre-commit-config.yaml on every file: django-upgrade, ruff (lint and
# format), djade (templates) and mypy --strict. All run from .venv: nothing is downloaded.
lint: $(STAMP)
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

# The same hooks but mypy, fixing what they can (a second run shows what is left).
format: $(STAMP)
	SKIP=mypy $(BIN)/pre-commit run --all-files || SKIP=mypy $(BIN)/pre-commit run --all-files

clean:
	rm -rf $(VENV) .venv312 staticfiles .pytest_cache .mypy_cache .ruff_cache .serve-secret-key
