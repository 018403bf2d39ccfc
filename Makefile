# studyflow: every target sets up what it needs first; a second run skips what is done.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
LLM_PORT ?= 8765
export STUDYFLOW_LLM_PORT := $(LLM_PORT)

# pf keeps its state (connections, runs, config) inside the project and never phones home.
export PF_HOME_DIRECTORY := $(CURDIR)/.pf
export XDG_DATA_HOME := $(CURDIR)/.pf/xdg
export APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED := true
export TELEMETRY_ENABLED := false
export PF_DISABLE_TRACING := true
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PATH := $(BIN):$(PATH)

# llama-cpp-python compiles for 8 minutes on 2 cores; its wheel is kept per CPU (the build uses its instructions).
CPU_ID := $(shell grep -m1 -E '^(flags|Features)' /proc/cpuinfo | sha256sum | cut -c1-12)
WHEEL_CACHE ?= $(HOME)/.cache/studyflow/wheels/$(CPU_ID)
LLAMA := llama-cpp-python==0.3.36
STAMP := $(VENV)/.studyflow-installed

CHROMIUM := /usr/bin/chromium
APP_PORT ?= 7860
CHROMA_PORT ?= 8000

.PHONY: help setup model model-stop ingest ask chat chroma-server eval test bench lint clean

help:
	@echo "make chat     set up, ingest the notes, start the local model, open the browser chat (README command 1)"
	@echo "make test     set up and run the tests (README command 2)"
	@echo "make eval [VARIANT=variant_1] [JUDGE=llm] [LIMIT=20] [DATA=file.jsonl]  batch Q&A + evaluation + HTML report"
	@echo "make ingest [NOTES='notes ../shared/corpus/mslearn-labs'] | make ask Q='...' | make model | make model-stop | make chroma-server | make bench | make lint"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@# torch first: the CPU wheel on this machine; anything else lets pip pull a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	@ls $(WHEEL_CACHE)/llama_cpp_python-*.whl >/dev/null 2>&1 || { \
	  echo "building $(LLAMA) once (about 8 minutes), cached in $(WHEEL_CACHE)"; \
	  $(PY) -m pip wheel -q --no-deps -w $(WHEEL_CACHE) $(LLAMA); }
	$(PY) -m pip install -q --find-links $(WHEEL_CACHE) -e '.[model,dev]'
	@# pf reads its config and connections from PF_HOME_DIRECTORY; make them work outside make too.
	@grep -q studyflow-env $(VENV)/bin/activate || cat tools/activate-env.sh >> $(VENV)/bin/activate
	$(BIN)/pf config set telemetry.enabled=false trace.destination=none >/dev/null
	$(BIN)/pf connection create --file connections/local.yaml --set base_url=http://127.0.0.1:$(LLM_PORT)/v1 >/dev/null
	touch $(STAMP)

setup: $(STAMP)

model: setup
	$(PY) -m local_llm start

model-stop:
	@test -x $(PY) && $(PY) -m local_llm stop || true

# NOTES="notes ../shared/corpus/mslearn-labs" ingests several folders; empty: the folders the index was built from
# (notes/ the first time), so `make chat` after a multi-folder ingest keeps every folder.
NOTES ?=
ingest: setup
	$(PY) -m ingest $(NOTES)

ask: ingest model
	@test -n "$(Q)" || { echo 'usage: make ask Q="your question"'; exit 2; }
	@$(BIN)/pf flow test --flow flows/qa --inputs question="$(Q)" 2>/dev/null | $(PY) -m answering.show

chat: ingest model
	@echo "studyflow chat on http://127.0.0.1:$(APP_PORT)/  (Ctrl-C to stop; make model-stop stops the model)"
	$(PY) app.py --port $(APP_PORT) --open

eval: ingest model
	$(PY) -m eval.pipeline $(if $(DATA),--data $(DATA)) $(if $(VARIANT),--variant $(VARIANT)) \
	  $(if $(JUDGE),--judge $(JUDGE)) $(if $(LIMIT),--limit $(LIMIT))

chroma-server: setup
	@echo "Chroma server on http://127.0.0.1:$(CHROMA_PORT), data in .chroma-server/ (Ctrl-C to stop)"
	@echo "use it with: export STUDYFLOW_CHROMA_URL=http://127.0.0.1:$(CHROMA_PORT)"
	ANONYMIZED_TELEMETRY=False $(BIN)/chroma run --path $(CURDIR)/.chroma-server --host 127.0.0.1 --port $(CHROMA_PORT)

# The browser tests drive Debian's chromium; Playwright never downloads a browser of its own.
$(CHROMIUM):
	apt-get install -y -q chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium >/dev/null; }

test: setup $(CHROMIUM)
	$(BIN)/ruff check .
	$(PY) -m pytest -q

bench: ingest model
	$(PY) -m bench.run_all

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean: model-stop
	rm -rf .chroma .chroma-server .run .pf $(VENV)
