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

run: install web/node_modules web/graphiql/.stamp
	$(VENV)/bin/nextjob serve --phones 4

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(VENV)/bin/mypy

unit: install-dev
	$(PY) -m pytest tests/routing

test: lint typecheck browser tests/http_audit/node_modules
	# Two workers, a file per worker at a time (each has its own database and Redis).
	$(PY) -m pytest -n 2 --dist loadfile

# The live map's Leaflet (web/package-lock.json), and Debian's Chromium for the browser tests.
web/node_modules: web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	touch $@

# GraphiQL's own files (strawberry's page, same versions), so the IDE works offline:
# `npm pack` fetches just these five packages, no dependency tree.
GRAPHIQL_PKGS := react@18.2.0 react-dom@18.2.0 js-cookie@3.0.5 graphiql@3.8.3 \
	@graphiql/plugin-explorer@1.0.2
web/graphiql/.stamp:
	rm -rf web/graphiql && mkdir -p web/graphiql
	cd web/graphiql && npm pack --silent $(GRAPHIQL_PKGS) >/dev/null && \
	for f in *.tgz; do d=$${f%.tgz}; mkdir $$d && tar -xzf $$f -C $$d --strip-components=1 && rm $$f; done
	touch $@

browser: web/node_modules web/graphiql/.stamp
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# graphql-http's server audit suite, run against a live API by tests/test_http_spec.py.
tests/http_audit/node_modules: tests/http_audit/package-lock.json
	npm ci --prefix tests/http_audit --no-audit --no-fund
	touch $@

bench: install-dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) .nextjob-data .mypy_cache .ruff_cache
