# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
INSTALLED := $(VENV)/.installed
# the vietnam-provinces wheels the agency seed generators read (tests/test_seed_generators.py runs their --check)
SEED_PACKAGES := $(VENV)/share/chiso/seed-packages

.PHONY: demo test lint install lock clean-state clean bench ckan

demo: $(INSTALLED)
	$(BIN)/chiso demo

# Lint first, then every test (`.venv/bin/python -m pytest -m "not e2e"` for a quick loop without the Airflow runs).
test: lint $(SEED_PACKAGES)/.fetched
	tools/install_programs.sh test
	$(BIN)/python -m pytest

# The speed benchmarks, each comparing its cases inside one run, then the results table of benchmarks/README.md
# (bench_dbt_execution.py, a one-off design check, needs a loaded warehouse: see benchmarks/README.md).
# BENCH_BASE: the commit today's code is compared with (the one before the speed work of issue 14). The second
# bench_night is the scale case: 10 × the province's agencies (tools/scale_province.py), 1 month and 1 year.
BENCH_BASE ?= 75a9581
bench: $(INSTALLED) $(SEED_PACKAGES)/.fetched
	tools/install_programs.sh bench
	$(BIN)/python benchmarks/bench_loader.py --base $(BENCH_BASE)
	$(BIN)/python benchmarks/bench_night.py --base $(BENCH_BASE)
	$(BIN)/python benchmarks/bench_night.py --scale 10 --histories 1,12 --base-histories ''
	$(BIN)/python benchmarks/bench_dossiers.py
	$(BIN)/python benchmarks/bench_suite.py --base $(BENCH_BASE)
	$(BIN)/python benchmarks/report.py

# ruff (Python, pyproject.toml [tool.ruff]) and sqlfluff (dbt SQL, .sqlfluff); both run, each violation is printed
# with its file, line and rule, and the step fails if either found one.
lint: $(INSTALLED)
	@status=0; \
	echo "lint: ruff check . (file:line:col: rule message)"; \
	$(BIN)/ruff check --output-format concise . || status=1; \
	echo "lint: sqlfluff lint dbt_project (== [file], then L: line | P: column | rule | message)"; \
	$(BIN)/sqlfluff lint dbt_project --disable-progress-bar --processes 2 || status=1; \
	if [ $$status -ne 0 ]; then echo "make lint: FAILED: fix the violations listed above (rule, file, line); make test runs the tests once lint passes" >&2; fi; \
	exit $$status

install: $(INSTALLED) $(SEED_PACKAGES)/.fetched

# A throwaway CKAN 2.12 as the portal tests get it (datastore, datatables_view, the project's licences) on the local
# PostgreSQL, until Ctrl-C; it prints its URL and where its sysadmin token is. CKAN_ADMIN_URL: a superuser login.
CKAN_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
ckan: $(INSTALLED)
	$(BIN)/python -m tools.ckan.portal --admin-url $(CKAN_ADMIN_URL)

# The venv is rebuilt only when the lock or the project metadata change.
$(INSTALLED): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"chiso needs Python 3.11, $(PYTHON) is {sys.version.split()[0]}"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python deploy/fetch_compose_schema.py $(VENV)/share/chiso/compose_spec.json
	touch $(INSTALLED)

$(SEED_PACKAGES)/.fetched: tools/seeds/fetch_packages.py | $(INSTALLED)
	$(BIN)/python -m tools.seeds.fetch_packages $(SEED_PACKAGES)
	touch $@

# Re-resolve every pinned version from pyproject.toml (run after changing dependencies).
lock: $(INSTALLED)
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 -o requirements.lock

clean-state:
	rm -rf .chiso

clean: clean-state
	rm -rf $(VENV)
