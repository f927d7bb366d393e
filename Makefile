# sendclock: `make up` runs the whole stack on this machine, `make test` runs the test suite.
# Both create .venv if it is missing and (re)install the project whenever pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help up test test-fast lint bench bench-million bench-caseload bench-workers venv

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'
	@echo "  (make test PYTEST_ARGS='-k stack -x' passes arguments to pytest, JOBS=1 runs them in one process;"
	@echo "   make bench BENCH_ARGS='--n 2000' to open_workflows)"

up: $(STAMP) ## run Temporal, the worker and the dashboard (state under var/); Ctrl-C stops everything
	$(BIN)/sendclock up

# Both run the tests in parallel (pytest-xdist) in one process more than the cores: many tests wait (on a server,
# a worker process, the CLI) while another computes. Measured on the 2-core machine (issue 22): the fast lane in
# 75-82 s with 3 processes against 83 s with 4 and 106 s with 2; the whole suite in 314 s with 3 and 323 s with 4.
# JOBS=N to choose; JOBS=1 runs the tests in this process. --dist loadgroup keeps each module that uses the
# time-skipping server on one process, in file order (tests/conftest.py: its dates then do not depend on the
# modules that ran before it).
JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
XDIST = $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadgroup)

test: lint ## the checks, then the whole test suite (what CI runs)
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

lint: $(STAMP) ## ruff (lint and format) and mypy, as configured in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The fast lane leaves out what starts real servers, browsers or the whole stack, fuzzing and the benchmarks (markers
# set in tests/conftest.py and tests/db.py) and runs on SQLite only: the [postgresql] variant of every `databases`
# test (a schema migrated and dropped for each) is a fifth of the lane's time, and `make test` (CI) runs it. Property
# tests run the "fast" hypothesis profile: a quarter of the examples (tests/conftest.py, tests.helpers.examples).
FAST := not devserver and not faults and not browser and not stack and not slow and not schemathesis and not postgres
test-fast: $(STAMP) ## the fast lane (about 2.5 minutes): the rule book, workflows, store, notifications, dashboard, on SQLite
	$(BIN)/pytest $(XDIST) -m "$(FAST)" --hypothesis-profile=fast $(PYTEST_ARGS)

bench: $(STAMP) ## run the benchmarks in bench/ (tables on stdout, JSON in bench/results/; see docs/performance.md)
	$(BIN)/python -m bench.rulebook
	$(BIN)/python -m bench.dashboard_queries
	$(BIN)/python -m bench.overhead
	$(BIN)/python -m bench.open_workflows $(BENCH_ARGS)

# The large runs of issue 26, each on its own (docs/performance.md): hours of machine time, not part of `make bench`.
bench-million: $(STAMP) ## the dashboard's reads at 1,000,000 steps on PostgreSQL (about 20 minutes)
	$(BIN)/python -m bench.dashboard_queries --sizes 1000000 --sqlite-max 0 --repeat 11

bench-caseload: $(STAMP) ## the largest LA's caseload: 25,000 open processes on the embedded stack (about 80 minutes)
	$(BIN)/python -m bench.open_workflows --n 25000 --wave-after 2900 --bare-after

bench-workers: $(STAMP) ## one worker, then two, with the dashboard, on PostgreSQL at 10,000 (about an hour)
	$(BIN)/python -m bench.open_workflows --n 10000 --wave-after 1300 --compare-workers --dashboard

venv: $(STAMP) ## create .venv and install the project with its test dependencies

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $@
