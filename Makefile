# The two commands of the README: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV ?= .venv
KB := $(VENV)/bin/kb
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test ingest lint format bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --editable .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --editable '.[dev]'
	touch $@ $(VENV)/.run-installed

## run: install, ingest (from $$KB_MIRROR when set, else the network), serve on http://$(HOST):$(PORT)
run: $(VENV)/.run-installed
	$(KB) ingest; status=$$?; if [ $$status -eq 2 ]; then exit 2; fi
	$(KB) serve --host $(HOST) --port $(PORT)

## ingest: (re)build the index only
ingest: $(VENV)/.run-installed
	$(KB) ingest

## test: install the dev extras, lint, check types, run the whole suite
test: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check kb tests bench
	$(VENV)/bin/ruff format --check kb tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

## bench: benchmarks (figures printed, and written to bench/results/); wrk from apt for HTTP
bench: $(VENV)/.dev-installed
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; } >/dev/null 2>&1 \
		|| echo "bench: wrk is not installed and apt could not install it; the HTTP part is skipped"
	$(VENV)/bin/python bench/ingest.py
	$(VENV)/bin/python bench/ingest.py --synthetic 100000 --repeat 1
	$(VENV)/bin/python bench/search.py
	$(VENV)/bin/python bench/first_page.py 10000 100000
	$(VENV)/bin/python bench/hardening.py

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix kb tests bench
	$(VENV)/bin/ruff format kb tests bench

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
