# The two commands of the README: `make run` (the demo) and `make test` (lint and tests on SQLite).
# `.ci/run` calls `make test`, then runs the same suite on PostgreSQL and the browser tests.
# `make bench` (docs/PERFORMANCE.md) is a benchmark of about 10 minutes, never part of `make test` or CI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test install-bench run test bench lint format messages screenshots clean

$(VENV)/.runtime: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.runtime $@

$(VENV)/.bench: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime
install-test: $(VENV)/.test
install-bench: $(VENV)/.bench

data/.secret_key:
	mkdir -p data
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > $@

run: install data/.secret_key
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat data/.secret_key)}" HOST=$(HOST) PORT=$(PORT); \
	$(BIN)/hackcity migrate && \
	$(BIN)/hackcity seed && \
	$(BIN)/python -m seeds.banner && \
	exec $(BIN)/hackcity serve

test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2

# The large demo data, the app and its ceiling under load, on SQLite and on PostgreSQL when a server
# answers on 127.0.0.1:5432; writes docs/PERFORMANCE.md. QUICK=1: a short smoke run that writes nothing.
bench: install-bench
	$(BIN)/python bench/run.py $(if $(QUICK),--quick)

# The screenshots of docs/screenshots/ (shown in the README), taken again by the browser test that
# checks the key pages load in French at desktop and phone sizes.
screenshots: install-test
	HACKCITY_E2E=1 HACKCITY_SCREENSHOTS=1 $(BIN)/python -m pytest -p no:xdist tests/e2e/test_screenshots.py

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install-test
	$(BIN)/pybabel extract -F babel.cfg -k lazy -o events/locale/messages.pot --no-location --sort-output \
		--project hackcity --copyright-holder "hackcity contributors" .
	$(BIN)/pybabel update -i events/locale/messages.pot -d events/locale -l fr --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
