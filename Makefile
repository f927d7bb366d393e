# sendclock: `make up` runs the whole stack on this machine, `make test` runs the test suite.
# Both create .venv if it is missing and (re)install the project whenever pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help up test test-fast bench venv

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'
	@echo "  (make test PYTEST_ARGS='-k stack -x' passes arguments to pytest; make bench BENCH_ARGS='--n 2000' to open_workflows)"

up: $(STAMP) ## run Temporal, the worker and the dashboard (state under var/); Ctrl-C stops everything
	$(BIN)/sendclock up

test: $(STAMP) ## run the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

FAST := not devserver and not faults and not browser and not stack and not slow and not schemathesis
test-fast: $(STAMP) ## the fast lane: everything but real servers, browsers and fuzzing (tests marked in tests/conftest.py)
	$(BIN)/pytest -m "$(FAST)" $(PYTEST_ARGS)

bench: $(STAMP) ## run the benchmarks in bench/ (tables on stdout, JSON in bench/results/; see docs/performance.md)
	$(BIN)/python -m bench.rulebook
	$(BIN)/python -m bench.dashboard_queries
	$(BIN)/python -m bench.overhead
	$(BIN)/python -m bench.open_workflows $(BENCH_ARGS)

venv: $(STAMP) ## create .venv and install the project with its test dependencies

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $@
