# dacall: `make demo` to see it work, `make test` to test it. Needs only python3 and make.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Airflow starts its components as `airflow` subprocesses: the environment's bin comes first.
export PATH := $(BIN):$(PATH)
UV_VERSION := $(shell sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)

SEED ?= 42
SCALE ?= 1
DATA := data
GENERATED := $(DATA)/.generated-seed$(SEED)-scale$(SCALE)
GENERATOR_SOURCES := $(wildcard src/dacall/generate/*.py) config/generator.yml
# The demo's Airflow run date: the midnight after the last generated business day.
DEMO_DATE ?= 2026-01-01

export AIRFLOW_HOME ?= $(CURDIR)/airflow_home
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export DACALL_LANDING := $(CURDIR)/$(DATA)/landing
export DACALL_WAREHOUSE := $(CURDIR)/warehouse/dacall.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DACALL_REPORTS := $(CURDIR)/reports
export DACALL_EXTRACTS := $(CURDIR)/extracts
# The demo's pseudonym key: a local file readable only by its owner. Production sets
# DACALL_PSEUDONYM_KEY or the Airflow connection dacall_pseudonym instead.
DEMO_KEY ?= $(CURDIR)/.demo-key

.PHONY: help install demo airflow review test soak compose-test lint bench clean

help:
	@echo "make demo     create .venv, generate a force-year of synthetic feeds, run the pipeline through Airflow"
	@echo "make test     install if needed and run the whole test suite"
	@echo "make airflow  start Airflow (web UI on http://localhost:8080) with the project's DAGs"
	@echo "make soak     a month of nights delivered one at a time (late, corrected, broken files)"
	@echo "make compose-test  build the images and run the pipeline under docker compose's scheduler"
	@echo "make review   start the review app on the demo's data (http://127.0.0.1:8000)"
	@echo "make lint     ruff (Python) and SQLFluff (dbt SQL)"
	@echo "make bench    measure generation, ingestion and dbt build speed (writes docs/benchmarks.md figures)"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	touch $@

$(GENERATED): $(GENERATOR_SOURCES) | $(VENV)/.installed
	rm -rf $(DATA)/landing $(DATA)/truth $(DATA)/deliveries $(DATA)/.generated-*
	$(BIN)/dacall generate --out $(DATA) --seed $(SEED) --scale $(SCALE)
	touch $@

$(AIRFLOW_HOME)/.initialised: | $(VENV)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1
	$(BIN)/airflow pools set dacall_warehouse 1 "DuckDB takes one writer at a time" > /dev/null
	touch $@

$(DEMO_KEY):
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	@echo "created the demo pseudonym key $@ (readable only by you); never use it for real data"

demo: $(GENERATED) $(AIRFLOW_HOME)/.initialised $(DEMO_KEY)
	$(BIN)/dacall keys --demo
	DACALL_PSEUDONYM_KEY_FILE=$(DEMO_KEY) $(BIN)/python -m dacall.demo --date $(DEMO_DATE)

airflow: $(AIRFLOW_HOME)/.initialised $(DEMO_KEY)
	@echo "Airflow starts on http://localhost:8080 ; log in as 'admin' with the password in"
	@echo "  $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated"
	$(BIN)/dacall keys --demo
	DACALL_PSEUDONYM_KEY_FILE=$(DEMO_KEY) $(BIN)/airflow standalone

# The review app over the demo's published snapshot; the first start creates the log-in `demo`
# and prints its password once (only its hash is kept, in warehouse/review/users.json).
review: $(VENV)/.installed
	$(BIN)/dacall review --demo-user

test: $(VENV)/.installed
	$(BIN)/python -m pytest

soak: $(VENV)/.installed
	$(BIN)/python -m pytest -m soak tests/test_soak.py

# Starts dockerd if none is running (and stops it after), builds the base images from Debian's
# packages when they cannot be pulled, then the scheduled-operation tests in tests/compose.
compose-test: $(VENV)/.installed
	docker/with-dockerd.sh bash -c 'docker/base-images.sh && $(BIN)/python -m pytest -m compose tests/compose -v -s'

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests dags
	$(BIN)/ruff format --check src tests dags
	cd dbt && DACALL_WAREHOUSE=$(DACALL_WAREHOUSE) $(BIN)/sqlfluff lint models

bench: $(VENV)/.installed
	$(BIN)/python -m dacall.bench --scales 1 --days 365 1825

clean:
	rm -rf $(DATA) warehouse reports extracts $(AIRFLOW_HOME) dbt/target dbt/logs $(DEMO_KEY) build keys
