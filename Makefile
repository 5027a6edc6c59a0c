# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export DAGSTER_DISABLE_TELEMETRY := 1
export UV_COMPILE_BYTECODE := 1
export OPENBLAS_NUM_THREADS := 1

.PHONY: setup run test lint dev sample bench clean

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --quiet
	@touch $@

setup: $(VENV)/.synced

## run the whole pipeline on data_samples/ (or $WEALTHGRAPH_DATA) into warehouse/wealthgraph.duckdb
run: setup
	$(VENV)/bin/wealthgraph run

## lint and run the tests, a test file per worker on both cores (pytest-xdist); the slowest last
test: setup lint
	$(VENV)/bin/pytest -q -n 2 --dist loadfile --durations=15

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## the Dagster UI on http://127.0.0.1:$(PORT) (make dev PORT=3001), with the warehouse's own
## run history in warehouse/wealthgraph.dagster/ (or in DAGSTER_HOME when set)
PORT ?= 3000
dev: setup
	$(VENV)/bin/wealthgraph dev --port $(PORT)

## the whole pipeline at scale, stage by stage, with its baselines (benchmarks/pipeline.py):
## make bench USERS=1000000 (BENCH_FLAGS="--no-evaluation" skips the weekly job)
USERS ?= 100000
BENCH_FLAGS ?=
bench: setup
	$(VENV)/bin/python benchmarks/pipeline.py --users $(USERS) --daily $(BENCH_FLAGS)

## regenerate the committed sample (2,000 users, 30 days, seed 42)
sample: setup
	rm -rf data_samples/events data_samples/snapshots data_samples/transactions data_samples/reference
	$(VENV)/bin/wealthgraph generate --out data_samples --users 2000 --days 30 --seed 42

clean:
	rm -rf $(VENV) $(TOOLS) warehouse
