# Aisle — the two commands a newcomer needs:
#   make run    set up whatever is missing, then start the assistant (Ctrl-C stops everything)
#   make test   run every test (lint, unit, integration, NLU/dialogue, end-to-end)
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
RASA_VENV := .venv-rasa
PY        := $(VENV)/bin/python
RASA      := $(RASA_VENV)/bin/rasa

export PYTHONPATH := $(CURDIR)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
export ANONYMIZED_TELEMETRY := False
# Rasa's training cache keeps each trained component by the hash of its inputs; its default cap
# (1,000 MB) is less than two fine-tuned intent classifiers, so a config change to the entity
# tagger alone evicted the intent classifier and retrained it (~10 minutes on 2 cores).
export RASA_MAX_CACHE_SIZE ?= 4000
export TOKENIZERS_PARALLELISM := false

RASA_ARGS    := --data bot/data --config config.yml --domain domain.yml
# bot/channels, bot/request_guard.py, bot/tracker_store.py, bot/server.py and the caches it
# installs (bot/prior_states.py, bot/applied_events.py, bot/tracker_clone.py, bot/action_request.py) run in the Rasa server but are not part
# of the model: changing them needs no retraining.
TRAIN_INPUTS := config.yml domain.yml $(filter-out bot/tracker_store.py bot/tracker_clone.py bot/action_request.py bot/request_guard.py bot/server.py bot/prior_states.py bot/applied_events.py,$(shell find bot -path bot/channels -prune -o \( -name '*.yml' -o -name '*.py' \) -print 2>/dev/null))

.PHONY: help setup import ingest data train run shell test test-fast lint bench validate \
        train-recommender evaluate-recommender \
        test-conversations test-e2e test-browser web browser clean-state insights bench-start \
        services services-stop run-production test-production load-test load-chat-pace fuzz \
        screenshots test-scripts test-scripts-scientific data-scientific typo-robustness

help:
	@echo "make run     set up everything missing and start the assistant (web app :8000, Rasa :5005, actions :5055)"
	@echo "make shell   chat with the running assistant in this terminal"
	@echo "make test    run all tests"
	@echo "make bench   measure and write docs/benchmarks.md"
	@echo "make test-scripts  run the conversation scripts (tests/scripted) against the whole assistant"
	@echo "make screenshots  run the browser tests and refresh docs/screenshots"
	@echo "make insights  sync the conversations and write results/insights.html (docs/insights.md)"
	@echo "make run-production  the production profile on this machine (PostgreSQL, Redis,"
	@echo "                     Chroma server, 2 Rasa replicas + 2 action workers behind nginx)"

# Both venvs in one step, installed by uv (each is skipped while its lock file is unchanged).
$(VENV)/.installed $(RASA_VENV)/.installed &: requirements/app.lock.txt requirements/rasa.lock.txt \
                                               requirements/uv.txt scripts/setup_venvs.sh
	scripts/setup_venvs.sh all

# The widget and console scripts, bundled from npm packages (package-lock.json) into the
# git-ignored web/frontend/dist; the script skips npm ci and esbuild when nothing changed.
web:
	scripts/build_web.sh

# Debian's Chromium for the browser tests (installed only when missing).
browser:
	scripts/install_browser.sh

setup: $(VENV)/.installed $(RASA_VENV)/.installed web

# Catalog, then the Luma sample customer and orders (fixed order date, see commerce/import_sample.py).
import: $(VENV)/.installed
	$(PY) -m catalog.import_catalog
	$(PY) -m commerce.import_sample

# all-MiniLM-L6-v2 as ONNX: the Rasa pipeline's dense features (the Rasa venv has no torch) and
# the ingest embedder (AISLE_EMBEDDER=onnx, the default). Defined here, before its first use.
MINILM_ONNX := models/minilm-onnx/model.onnx

# Ingest needs the ONNX export (a fresh clone runs data before train, so it is made here too).
ingest: import $(MINILM_ONNX)
	$(PY) -m knowledge.ingest
	$(PY) -m recommender.ingest

# The recommender (docs/recommender.md). The shipped model is in recommender/pretrained/;
# these retrain and re-evaluate it. CPU recipe (2 cores, under an hour): the train defaults.
train-recommender: $(VENV)/.installed
	$(PY) -m recommender.train --dataset $(or $(AISLE_DATA_DIR),../shared/data)/amazon-scientific \
	    --out models/recommender-cpu

evaluate-recommender: $(VENV)/.installed
	$(PY) -m recommender.evaluate --model recommender/pretrained/scientific-minilm \
	    --dataset $(or $(AISLE_DATA_DIR),../shared/data)/amazon-scientific --split test \
	    --json results/recommender-test.json

data: ingest

# The script skips the work when the folder already holds this export.
$(MINILM_ONNX): scripts/export_minilm_onnx.py bot/components/onnx_export.py | $(VENV)/.installed
	$(PY) -m scripts.export_minilm_onnx --out $(@D)

# Retrain only when the training data, the config, a custom component or the MiniLM export changed.
# The intent classifier fine-tunes MiniLM in a child process of the app venv (torch stays out of
# the Rasa process), so training needs both venvs.
models/.trained: $(TRAIN_INPUTS) $(MINILM_ONNX) | $(RASA_VENV)/.installed $(VENV)/.installed
	$(RASA) train $(RASA_ARGS) --out models --fixed-model-name aisle
	touch $@

train: models/.trained

# The data step runs inside run.sh, while Rasa loads its model (which needs no data).
run: setup train
	scripts/run.sh $(MAKE) --no-print-directory data

# The production profile (docs/deploy.md). `make services` installs (apt) and starts local
# PostgreSQL, Redis and a Chroma server under state/services; `eval "$$(scripts/services.sh env)"`
# exports their AISLE_* URLs. run-production starts them too when those URLs are not set.
services: $(VENV)/.installed
	scripts/services.sh start

services-stop:
	scripts/services.sh stop

run-production: setup data train
	$(PY) -m ops.cluster

test-production: setup data train
	$(PY) -m pytest tests/e2e/test_production_cluster.py tests/unit/test_production_profile.py -q

# Long versions of the load and fuzz runs (both start what they need on free ports and stop it).
load-test: setup data train
	$(PY) -m scripts.load_test --shoppers 200 --turns 20 --write docs/benchmarks.md

# Shoppers at chat pace (Locust): 300 of them, each waiting 5-15 s between messages, 10 minutes.
load-chat-pace: setup data train
	$(PY) -m scripts.chat_pace_load --shoppers 300 --minutes 10 --write docs/benchmarks.md

fuzz: setup data train
	$(PY) -m scripts.fuzz --inputs 2000 --profile production

shell: $(VENV)/.installed
	$(PY) -m ops.chat

# ruff, then the import-linter contracts of pyproject.toml (the layers of README's architecture).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

validate: $(RASA_VENV)/.installed
	$(RASA) data validate $(RASA_ARGS) --fail-on-warnings

test-fast: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

test-conversations: train
	$(RASA) test core --e2e --stories tests/conversations --model models/aisle.tar.gz \
	    --fail-on-prediction-errors --out results/conversations

# The conversation scripts of tests/scripted/luma (docs/conversation-tests.md) against the whole
# assistant, started on free ports with a fresh shop database; JUnit XML in results/.
test-scripts: setup data train
	$(PY) -m ops test-conversations tests/scripted/luma --junit results/conversation-scripts.xml

# The second store, Amazon Scientific: its catalog imported and embedded into its own state files
# (catalog-scientific.sqlite, chroma-scientific), beside Luma's; skipped while unchanged.
data-scientific: $(VENV)/.installed
	AISLE_STORE=scientific $(MAKE) --no-print-directory data

# Issue 14's typo robustness (not part of make test): the Luma scripts as written, then with one
# seeded typo in each entity value; writes the typo-robustness section of docs/benchmarks.md.
typo-robustness: setup data train
	$(PY) -m scripts.measure_typo_robustness --seed 7 --write

# The Scientific store's scripts (tests/scripted/scientific), same NLU model as Luma's.
test-scripts-scientific: setup data-scientific train
	$(PY) -m ops test-conversations tests/scripted/scientific --store scientific \
	    --junit results/conversation-scripts-scientific.xml

test-e2e: setup data train
	$(PY) -m pytest tests/e2e -q

test-browser: setup data train browser
	$(PY) -m pytest tests/browser -q

# The browser tests write their screenshots in the git-ignored results/screenshots; this
# runs them and copies the fresh pictures over the ones the README shows.
screenshots: setup data train browser
	rm -rf results/screenshots
	$(PY) -m pytest tests/browser -q
	mkdir -p docs/screenshots
	cp results/screenshots/*.png docs/screenshots/

# One pytest run: unit, integration (real Chroma + MiniLM), the Rasa project checks
# (data validate, conversation tests), the end-to-end tests over REST and the browser tests.
test: setup lint data data-scientific train browser
	$(PY) -m pytest tests

bench: setup data train
	$(PY) -m scripts.bench

# First `make run`, a later one and a one-file NLU retrain, in a fresh clone of HEAD (~10 min);
# BENCH_START_ARGS=--ci also times a whole .ci/run there.
bench-start: $(VENV)/.installed
	$(PY) -m scripts.bench_start --write docs/benchmarks.md $(BENCH_START_ARGS)

# Shopper insights (docs/insights.md): sync the tracker store, write the offline HTML report.
insights: $(VENV)/.installed
	$(PY) -m insights report --out results/insights.html

clean-state:
	rm -rf state models results
