# backcare: `make run` to try it, `make test` to prove it. Both set everything up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test lint format check-content chromium clean

help:
	@echo "make run    set up, load content and serve http://$(HOST):$(PORT) (admin at /admin/)"
	@echo "make test   set up and run every test, browser tests included"
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

chromium:
	@scripts/ensure-chromium

test: $(STAMP) chromium
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backcare tests

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
