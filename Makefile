# Casebook. `make run` to try it, `make test` to prove it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes at once (pytest-xdist): one per CPU. TEST_WORKERS=0 runs the suite in this process.
TEST_WORKERS ?= auto

.PHONY: run test lint venv install-production migrate demo worker beat serve-production stack backup export bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

# On a server: what runs in production only (requirements.txt), into .venv or PRODUCTION_VENV=/path.
PRODUCTION_VENV ?= $(VENV)
install-production:
	@test -x $(PRODUCTION_VENV)/bin/python || $(PYTHON) -m venv $(PRODUCTION_VENV)
	$(PRODUCTION_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PRODUCTION_VENV)/bin/python -m pip install --quiet -r requirements.txt

migrate: venv
	$(BIN)/python manage.py migrate --noinput

# Loads demo data once: seed_demo is idempotent, so running it again changes nothing.
demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo
	@echo "Casebook on http://$(HOST):$(PORT)/ (SQLite, tasks in-process). Ctrl-C to stop."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: venv
	$(BIN)/ruff check .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test >/dev/null \
		|| { echo "Models changed without a migration: run makemigrations"; exit 1; }
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# A Celery worker with beat on the development settings (the worker defaults to production's).
worker: venv
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} $(BIN)/celery -A config worker --beat --loglevel=INFO

serve-production: venv
	$(BIN)/python manage.py collectstatic --noinput
	GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c config/gunicorn.conf.py config.wsgi

# The production stack on this machine (PostgreSQL database casebook_stack, Redis, gunicorn, a worker,
# beat), in one command, to see it before installing it: deploy/README.md. Ctrl-C stops it.
STACK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/casebook_stack
stack: venv
	STACK_DATABASE_URL=$(STACK_DATABASE_URL) $(BIN)/python deploy/stack.py --port $(PORT)

# On PostgreSQL: pg_dump, the private files and a manifest, encrypted with BACKUP_PASSPHRASE, into
# BACKUP_DIR (var/backups/), then rotation. On SQLite: the portable export. See README.
backup: venv
	$(BIN)/python manage.py backup_database

# The portable export (Django fixtures and the private files; restores on SQLite or PostgreSQL).
export: venv
	$(BIN)/python manage.py backup_casebook $(if $(BACKUP),--output $(BACKUP))

# Page timings at scale (issue 10): needs a PostgreSQL database filled by seed_demo + seed_bulk, see
# bench/README.md. Not part of `make test`.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/casebook_bench
bench: venv
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_pages.py --label $(or $(LABEL),run)

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .ruff_cache
