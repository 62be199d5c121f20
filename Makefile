# QMS — the two commands a newcomer needs are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PG_ADMIN ?= postgresql+asyncpg://postgres@127.0.0.1:5432
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)

.PHONY: run dev test lint typecheck pytest migrations-check openapi openapi-check \
        frontend-test e2e bench install clean

## Set-up ---------------------------------------------------------------------------------------
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SRC)
	cd frontend && npm run build

install: $(VENV)/.installed frontend/node_modules/.installed

## Run ------------------------------------------------------------------------------------------
run: install frontend/dist/index.html  ## API (serving the SPA), worker and simulator
	$(PY) -m qms.cli run

dev: install  ## hot-reload API on :8000 and the Vite dev server on :5173
	trap 'kill 0' INT TERM EXIT; \
	$(PY) -m qms.cli run --reload & \
	(cd frontend && npm run dev -- --host 127.0.0.1) & \
	wait

openapi: $(VENV)/.installed frontend/node_modules/.installed  ## export OpenAPI + SPA types
	$(PY) -m qms.cli openapi
	cd frontend && npm run gen:api

openapi-check: $(VENV)/.installed frontend/node_modules/.installed
	$(PY) -m qms.cli openapi --check
	cd frontend && npm run --silent check:api \
	  || { echo "frontend/src/api/schema.d.ts is stale: run make openapi"; exit 1; }

## Checks ---------------------------------------------------------------------------------------
lint: $(VENV)/.installed
	$(BIN)/ruff check backend tests migrations
	$(BIN)/ruff format --check backend tests migrations

typecheck: $(VENV)/.installed
	$(BIN)/mypy

migrations-check: $(VENV)/.installed  ## models and migrations agree
	QMS_DATABASE_URL=$(PG_ADMIN)/qms_migrations_check $(PY) -m qms.cli migrate
	QMS_DATABASE_URL=$(PG_ADMIN)/qms_migrations_check $(BIN)/alembic check

pytest: $(VENV)/.installed
	$(BIN)/pytest -q

frontend-test: frontend/node_modules/.installed
	cd frontend && npm run typecheck && npm test

e2e: install frontend/dist/index.html
	cd frontend && npm run e2e

test: lint typecheck migrations-check openapi-check pytest frontend-test e2e  ## everything CI runs

bench: install  ## performance figures (not part of `make test`)
	$(BIN)/python -m tests.bench

clean:
	rm -rf frontend/dist frontend/test-results .pytest_cache .mypy_cache .ruff_cache
