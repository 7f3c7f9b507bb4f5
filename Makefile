# Two commands on a fresh machine: `make run` and `make test`. Both set up .venv first.
# `make run` installs only what running needs (the app and the embedded database);
# `make test` adds the test tooling (pytest, Playwright, mypy, ruff) and Chromium.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.dev-stamp

.PHONY: install install-dev run test lint typecheck unit bench clean browser

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "nextjob needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[embedded]'
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(RUN_STAMP) $(DEV_STAMP)

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

run: install web/node_modules
	$(VENV)/bin/nextjob serve --phones 4

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(VENV)/bin/mypy

unit: install-dev
	$(PY) -m pytest tests/routing

test: lint typecheck browser tests/http_audit/node_modules
	$(PY) -m pytest

# The live map's Leaflet (web/package-lock.json), and Debian's Chromium for the browser tests.
web/node_modules: web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	touch $@

browser: web/node_modules
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# graphql-http's server audit suite, run against a live API by tests/test_http_spec.py.
tests/http_audit/node_modules: tests/http_audit/package-lock.json
	npm ci --prefix tests/http_audit --no-audit --no-fund
	touch $@

bench: install-dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) .nextjob-data .mypy_cache .ruff_cache
