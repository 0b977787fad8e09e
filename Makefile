# Two commands on a fresh machine: `make run` and `make test`. Each builds the project-local
# virtual environment .venv from pyproject.toml when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test soak venv clean parity screenshot bench

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m initviz $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not soak" $(PYTEST_ARGS)

# Long sessions (1,000 repaints and recomputes, memory flat): minutes, so not part of `make test`.
soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m soak -o faulthandler_timeout=1800 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# Optional: PyTorch parity checks (torch is never a runtime dependency; 2.13.0 is the CPU wheel).
parity: $(STAMP)
	$(PY) -m pip install --quiet torch==2.13.0
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m torch

# The README's screenshot, drawn headless by `initviz render`.
screenshot: $(STAMP)
	mkdir -p docs
	$(PY) -m initviz render -o docs/main-window.png --view window --size 1600x1000

# Figures, not a test: ratios of medians measured in one run (see bench/bench.py).
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) bench/bench.py $(BENCH_ARGS)
