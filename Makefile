# Two commands on a fresh machine: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint typecheck unit bench clean browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "nextjob needs Python 3.11+"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install web/node_modules
	$(VENV)/bin/nextjob serve --phones 4

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(PY) -m pytest tests/routing

test: lint typecheck browser tests/http_audit/node_modules
	$(PY) -m pytest

# The live map's Leaflet (web/package-lock.json), and Debian's Chromium for its browser test.
web/node_modules: web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	touch $@

browser: web/node_modules
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# graphql-http's server audit suite, run against a live API by tests/test_http_spec.py.
tests/http_audit/node_modules: tests/http_audit/package-lock.json
	npm ci --prefix tests/http_audit --no-audit --no-fund
	touch $@

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) .nextjob-data .mypy_cache .ruff_cache
