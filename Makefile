# Two commands set everything up on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
BOT := $(PY) -m bot
INSTALLED := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

.PHONY: help install train migrate run run-cluster cluster-test shell test lint validate unit integration e2e pytest \
	test-stories scenarios bench faults fuzz nlu-eval audit clean

help:
	@echo "make run    install, build, train when needed, migrate, start everything (SQLite by default)"
	@echo "make test   lint, rasa data validate, unit, integration and e2e tests, conversation tests, scenarios"
	@echo "make unit | integration | e2e | test-stories   one tier of the tests (docs/architecture.md)"
	@echo "make scenarios   the scripted-visitor scenarios (tests/scenarios) against the running assistant"
	@echo "make audit   pip-audit over requirements.lock; each finding fixed or triaged in audit/triage.yml"
	@echo "make run-cluster   two Rasa replicas and two action servers behind the gateway (docs/deploy.md)"
	@echo "make install | train | migrate | shell | bench | faults | fuzz | cluster-test | nlu-eval | clean"

# Development installs the dev lock: the product's pins (requirements.lock) plus the test tools.
$(INSTALLED): requirements.lock requirements-dev.lock
	@py=$$(tools/find-python.sh) || exit 1; \
	  [ -x $(PY) ] || { echo "creating $(VENV) with $$py"; $$py -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade "pip<24.1"
	$(PY) -m pip install --quiet --requirement requirements-dev.lock
	$(PY) -m pip check
	touch $(INSTALLED)

install: $(INSTALLED)

train: install
	$(BOT) train

migrate: install
	$(BOT) migrate

run: train migrate
	$(BOT) check-profile
	$(BOT) run

# The scale-out topology (docs/deploy.md): two Rasa replicas, two action servers, the web service's
# workers; needs DATABASE_URL=postgresql://... and REDIS_URL=redis://... (in .env or the environment).
run-cluster: train migrate
	$(BOT) check-profile
	$(BOT) run-cluster

shell: train migrate
	$(BOT) shell

# ruff, then the import rule of docs/architecture.md ([tool.importlinter] in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-logo

validate: install
	$(BOT) rasa data validate --fail-on-warnings

# The test tiers (docs/architecture.md). unit: pure Python, starts nothing, a few seconds.
unit: install
	$(PY) -m pytest -q tests/unit

# integration: SQLite and PostgreSQL, SMTP, Rasa components, the spaCy pipeline, TestClient apps.
integration: install
	$(PY) -m pytest -q tests/integration

# e2e: the running assistant (trained model, Rasa, action server, web service) and the browser.
e2e: install train
	$(PY) -m pytest -q tests/e2e

# All three tiers in one pytest run (pyproject's testpaths).
pytest: install train
	$(PY) -m pytest -q

# The Rasa conversation tests (tests/conversations/test_*.yml) against the trained model.
test-stories: install train
	$(BOT) rasa test core --stories tests/conversations --model models/clinic.tar.gz --fail-on-prediction-errors \
	  --out results/core

# The scenario suite (tests/scenarios/*.yml, issue #10): scripted visitors against the running assistant,
# ending with a PASS/GAP/FAIL line per scenario (a GAP is a known gap, a strict xfail). Its own pytest
# run (its own stack), outside tests/e2e, so `make e2e` and `make pytest` don't collect it.
scenarios: install train
	$(PY) -m pytest -q -rN --tb=short -p no:cacheprovider tests/scenarios

test: lint validate unit integration e2e test-stories scenarios

# The slow faults of issue #12 (tests/faults): `python -m bot run` on free ports, its action server
# and then Rasa killed mid-form; each must come back and the form go on. Not part of `make test`
# (a few minutes: Rasa reloads its model); CI runs it as its own step.
faults: install train
	$(PY) -m pytest -q -p no:cacheprovider tests/faults

# Issue #12 point 5 (tests/fuzz): 5,000 generated hostile messages through the running gateway, then
# every staff page that shows them. Not part of `make test` (about 15 minutes); CI runs it after
# `make faults`. Fewer while developing: make fuzz FUZZ_MESSAGES=200
FUZZ_MESSAGES ?= 5000
fuzz: install train
	FUZZ_MESSAGES=$(FUZZ_MESSAGES) $(PY) -m pytest -q -p no:cacheprovider tests/fuzz

# The scale-out test of issue #12 (tests/cluster): `python -m bot run-cluster` on free ports, 50
# concurrent conversations whose turns alternate between the Rasa replicas, then the events, intakes
# and appointments checked in PostgreSQL. Needs PostgreSQL on 127.0.0.1:5432 and Redis on
# 127.0.0.1:6379 (TEST_POSTGRES_URL, TEST_REDIS_URL); a few minutes; CI runs it as its own step.
cluster-test: install train
	$(PY) -m pytest -q -p no:cacheprovider tests/cluster

# Each visitor message as the first turn of a fresh conversation through the running assistant,
# against the peer (Rasa's `rasa init` pipeline on the same data/, cached in models/peer/); writes
# $(NLU_OUT)/latest.json, latest.md and the confusion PNGs (tools/nlu_eval). Not part of `make test`.
# The development set: make nlu-eval NLU_SET=dev/visitor_dev.yml; without the peer: NLU_ARGS=--no-peer
NLU_SET ?= tests/nlu/visitor_heldout.yml
NLU_OUT ?= results/nlu
NLU_ARGS ?=
nlu-eval: install train
	$(PY) -m tools.nlu_eval --set $(NLU_SET) --out $(NLU_OUT) $(NLU_ARGS)

# The dependency audit (README "Dependency audit"): pip-audit over the production lock against PyPI's
# vulnerability data; fails on any finding not in audit/triage.yml, on a triage whose review date has
# come, and on a pinned release it could not audit. pip-audit lives in its own virtualenv, from
# requirements-audit.lock: it needs a newer `packaging` than Rasa 3.6 allows. Needs PyPI, not the product.
AUDIT_VENV := .venv-audit
$(AUDIT_VENV)/.installed: requirements-audit.lock
	@py=$$(tools/find-python.sh) || exit 1; \
	  [ -x $(AUDIT_VENV)/bin/python ] || { echo "creating $(AUDIT_VENV) with $$py"; $$py -m venv $(AUDIT_VENV); }
	$(AUDIT_VENV)/bin/python -m pip install --quiet --upgrade "pip<24.1"
	$(AUDIT_VENV)/bin/python -m pip install --quiet --requirement requirements-audit.lock
	$(AUDIT_VENV)/bin/python -m pip check
	touch $@

audit: $(AUDIT_VENV)/.installed
	$(AUDIT_VENV)/bin/python -m tools.dependency_audit --lock requirements.lock --triage audit/triage.yml \
	  --pip-audit $(AUDIT_VENV)/bin/pip-audit

bench: train migrate
	$(PY) -m tools.bench

# Keeps the tracked results (results/nlu/latest.*, the confusion PNGs): git restores nothing else there.
clean:
	rm -rf build models .pytest_cache .import_linter_cache
	git clean -fdXq results
