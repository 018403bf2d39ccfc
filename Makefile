# studyflow: every target sets up what it needs first; a second run skips what is done.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
LLM_PORT ?= 8765
export STUDYFLOW_LLM_PORT := $(LLM_PORT)

# pf keeps its state (connections, runs, config) inside the project and never phones home: tools/pf.env, the one
# place these settings are written (bin/pf, the venv's activate hook and harness/pf.py read it too).
STUDYFLOW_ROOT := $(CURDIR)
include tools/pf.env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' tools/pf.env)
export PATH := $(BIN):$(PATH)

# llama-cpp-python compiles for 8 minutes on 2 cores; its wheel is kept per CPU (the build uses its instructions).
CPU_ID := $(shell grep -m1 -E '^(flags|Features)' /proc/cpuinfo | sha256sum | cut -c1-12)
WHEEL_CACHE ?= $(HOME)/.cache/studyflow/wheels/$(CPU_ID)
LLAMA := llama-cpp-python==0.3.36
STAMP := $(VENV)/.studyflow-installed
PF_STAMP := $(VENV)/.studyflow-pf

CHROMIUM := /usr/bin/chromium
APP_PORT ?= 7860
CHROMA_PORT ?= 8000

.PHONY: help setup model model-stop ingest ask chat chroma-server eval check test bench lint clean

help:
	@echo "make chat     set up, ingest the notes, start the local model, open the browser chat (README command 1)"
	@echo "make test     set up and run the tests (README command 2)"
	@echo "make check    ruff + the tests that need no LLM (the quick inner loop, under 3 minutes when set up)"
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
	touch $(STAMP)

# pf reads its home (connections, runs) from PF_HOME_DIRECTORY only, so outside make the settings come from the
# activate hook or from bin/pf; pip's .venv/bin/pf becomes bin/pf as well (pip rewrites it: redone after each install).
# bin/pf starts a new pf home with the project's pf.yaml (no telemetry, no trace service).
$(PF_STAMP): $(STAMP) pf.yaml bin/pf tools/pf.env tools/pf-env.sh tools/activate-env.sh tools/venv-pf connections/local.yaml
	@sed -i '/^# studyflow-env/,$$d' $(VENV)/bin/activate && cat tools/activate-env.sh >> $(VENV)/bin/activate
	install -m 755 tools/venv-pf $(BIN)/pf
	$(BIN)/pf connection create --file connections/local.yaml --set base_url=http://127.0.0.1:$(LLM_PORT)/v1 >/dev/null
	touch $(PF_STAMP)

setup: $(STAMP) $(PF_STAMP)

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

# --durations: CI's log names the slowest tests, so the 40-minute budget can be kept with figures.
test: setup $(CHROMIUM)
	$(BIN)/ruff check .
	$(PY) -m pytest -q --durations=15

# The quick inner loop: every test that needs no model server (the `llm` marker, given in tests/conftest.py to any
# test using the llm_server fixture) but the five `slow` ones (make test runs them: the three kill -9 ingest tests in
# tests/test_ingest_faults.py, the key-leak test in tests/test_secrets.py and the load test in tests/test_load.py),
# in CHECK_WORKERS pytest-xdist workers (3 on 2 cores: a worker waiting on a child process or the browser leaves
# a core to the others). worksteal gives each worker a share of the tests in file order and moves the tail of a
# busier share to an idle one, so a module's tests (and its module-scoped servers, indexes and pf
# homes) mostly stay on one worker; the session's notes index is built once for all (tests/conftest.py). The study
# page tests need no model but do drive chromium.
CHECK_WORKERS ?= 3
check: setup $(CHROMIUM)
	@start=$$(date +%s); $(BIN)/ruff check . && \
	  $(PY) -m pytest -q -m "not llm and not slow" -n $(CHECK_WORKERS) --dist worksteal --durations=10; \
	  status=$$?; echo "make check: $$(( $$(date +%s) - start )) s"; exit $$status

bench: ingest model
	$(PY) -m bench.run_all

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean: model-stop
	rm -rf .chroma .chroma-server .run .pf $(VENV)
