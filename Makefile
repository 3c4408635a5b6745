PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	examples/demo/run.sh

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/deployment_rollout.py
	$(BIN)/python bench/inplace_vs_recreate.py
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/endpoint_latency.py
	$(BIN)/python bench/engine_restart.py
	$(BIN)/python bench/dataplane_failures.py
	$(BIN)/python bench/proxy_throughput.py
	$(BIN)/python bench/split_cost.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info
