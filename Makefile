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

.PHONY: help run serve test test-postgres lint format chromium services clean

help:
	@echo "make run    set up, load content and serve http://$(HOST):$(PORT) (admin at /admin/)"
	@echo "make test   set up and run every test, browser tests included"
	@echo "make serve  production mode locally: DEBUG off, collectstatic, gunicorn"
	@echo "make test-postgres  every test again on PostgreSQL with Redis (starts both)"
	@echo "make lint   ruff and mypy"

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
	$(PY) manage.py dev_admin
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: $(STAMP)
	scripts/serve

chromium:
	@scripts/ensure-chromium

services:
	@scripts/services

test: $(STAMP) chromium
	$(BIN)/pytest

test-postgres: $(STAMP) chromium services
	DATABASE_URL=$(POSTGRES_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backcare tests

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache .serve-secret-key
