# hikeshi: build, run and test. `make help` lists the targets.

SHELL := bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check

# Debian packages the test suite drives for real (a PostgreSQL server, Chromium for browser tests,
# CJK fonts so the screenshots it keeps show Japanese text, Alertmanager as a real peer) and the
# benchmarks' load generator.
DEBIAN_TEST_PACKAGES := postgresql chromium fonts-noto-cjk prometheus-alertmanager wrk

# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k escalation -x"`.
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2

.PHONY: help run install install-test check fmt test bench clean

help:
	@echo "make run           install hikeshi into .venv, create the database (demo data the first time), serve on 127.0.0.1:8000"
	@echo "make test          install test tools and Debian packages, run 'check', then the suite on SQLite and PostgreSQL"
	@echo "make check         ruff (lint and format), mypy --strict, import-linter"
	@echo "make bench         run the benchmarks on SQLite and PostgreSQL; figures go to docs/benchmarks.md"
	@echo "make fmt           fix lint and format the code"
	@echo "make install-test  .venv with the test and dev tools, plus: $(DEBIAN_TEST_PACKAGES)"
	@echo "make clean         remove caches and install stamps (keeps hikeshi.db)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "hikeshi needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)" >&2; exit 1; }
	@# Debian's python3 leaves venv support (ensurepip) to the python3-venv package.
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || bash scripts/install-debian-packages.sh python3-venv
	$(PYTHON) -m venv $(VENV)

# Install again only when pyproject.toml changed since the last install.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	@if [ $(VENV)/.installed-test -nt pyproject.toml ]; then \
		echo "hikeshi is installed (with the test tools)"; \
	else \
		$(PIP) install -e .; \
	fi
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[test,dev]'
	@touch $@

install: $(VENV)/.installed-run

# Without HIKESHI_DATABASE_URL the database is ./hikeshi.db: the first run fills it with the demo
# company; later runs (and any other database) only upgrade the schema.
run: $(VENV)/.installed-run
	@if [ -z "$${HIKESHI_DATABASE_URL:-}" ] && [ ! -e hikeshi.db ] \
		&& ! grep -qs '^HIKESHI_DATABASE_URL=' .env; then \
		$(BIN)/hikeshi init --demo; \
	else \
		$(BIN)/hikeshi init; \
	fi
	exec $(BIN)/hikeshi serve --host 127.0.0.1 --port 8000

install-test: $(VENV)/.installed-test
	@bash scripts/install-debian-packages.sh $(DEBIAN_TEST_PACKAGES)

check: $(VENV)/.installed-test
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(VENV)/.installed-test
	$(BIN)/ruff check --fix src tests scripts benchmarks
	$(BIN)/ruff format src tests scripts benchmarks

# The suite runs every database test on SQLite and on a throwaway PostgreSQL server, which is
# stopped however pytest ends; the exit code is pytest's.
test: install-test
	@$(MAKE) --no-print-directory check
	@trap 'bash scripts/postgres.sh stop >/dev/null' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	bash scripts/postgres.sh start || exit 1; \
	export HIKESHI_TEST_POSTGRES_URL="$$(bash scripts/postgres.sh url)"; \
	export HIKESHI_REQUIRE_POSTGRES=1; \
	echo "testing on SQLite and PostgreSQL ($$HIKESHI_TEST_POSTGRES_URL)"; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	exit $$status

# Benchmarks on SQLite and on PostgreSQL. A PostgreSQL server this target starts is stopped at the
# end; one that was already running (a developer's) is used and left running.
bench: install-test
	@started=0; \
	if ! bash scripts/postgres.sh status >/dev/null 2>&1; then \
		bash scripts/postgres.sh start || exit 1; \
		started=1; \
	fi; \
	trap '[ "$$started" = 1 ] && bash scripts/postgres.sh stop >/dev/null' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	export HIKESHI_BENCH_POSTGRES_URL="$$(bash scripts/postgres.sh url)"; \
	$(BIN)/python -m benchmarks

clean:
	@bash scripts/postgres.sh stop >/dev/null
	rm -f $(VENV)/.installed-run $(VENV)/.installed-test
	rm -rf .tmp .mypy_cache .ruff_cache .pytest_cache .hypothesis test-artifacts build dist
	find src tests -type d -name __pycache__ -prune -exec rm -rf {} +
	find src -maxdepth 1 -type d -name '*.egg-info' -prune -exec rm -rf {} +
