# zhifa — `make demo` sets everything up and serves on 127.0.0.1:8000; `make test` runs lint and the suite.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest workers of `make test` (pytest-xdist; 0 runs the suite in one process). Tests are distributed by file
# (--dist loadfile), so a module's module-scoped fixtures (e.g. the shared demo cases) are built once.
PYTEST_WORKERS ?= 2

.PHONY: demo install migrate demo-data serve worker test lint fmt bench verify clean

$(STAMP): pyproject.toml scripts/system-deps.sh
	@bash scripts/system-deps.sh
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/zhifa migrate --noinput

demo-data: migrate
	$(BIN)/zhifa demo

# Everything on a fresh machine: venv, install, migrate, demo data, a task worker, the server, the accounts.
demo: demo-data
	@$(BIN)/zhifa collectstatic --noinput -v 0
	@mkdir -p var/log
	@$(BIN)/zhifa worker >> var/log/worker.log 2>&1 & echo $$! > var/worker.pid
	@trap 'kill $$(cat var/worker.pid) 2>/dev/null; rm -f var/worker.pid' EXIT INT TERM; \
	  $(BIN)/zhifa demo --accounts; \
	  echo "公示平台 http://$(HOST):$(PORT)/   控制台 http://$(HOST):$(PORT)/console/   API 文档 http://$(HOST):$(PORT)/api/v1/docs"; \
	  $(BIN)/zhifa runserver --noreload $(HOST):$(PORT)

serve: install
	$(BIN)/zhifa runserver --noreload $(HOST):$(PORT)

worker: install
	$(BIN)/zhifa worker

lint: install
	$(BIN)/ruff check zhifa benchmarks conftest.py
	$(BIN)/ruff format --check zhifa benchmarks conftest.py
	$(BIN)/zhifa makemigrations --check --dry-run > /dev/null

fmt: install
	$(BIN)/ruff check --fix zhifa benchmarks
	$(BIN)/ruff format zhifa benchmarks

test: lint
	$(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks

verify: install
	$(BIN)/zhifa verify

clean:
	rm -rf $(VENV) var/static
