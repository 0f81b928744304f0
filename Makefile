# pacta — the two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

STAMP := $(VENV)/.installed

.PHONY: help install pdf-deps run test lint test-unit test-django browser-deps mail-deps messages lock clean

help:
	@echo "make run    set up everything (venv, packages, database, demo data) and serve http://$(HOST):$(PORT)"
	@echo "make test   lint, then the whole test suite (DATABASE_URL selects SQLite or PostgreSQL)"
	@echo "make lint   ruff, mypy on pacta/domain, import-linter, migrations up to date"
	@echo "make bench  speed of the business calendar against its peers, and of the SLA sweep over"
	@echo "            100,000 open tickets on SQLite and PostgreSQL, and of the rating core"
	@echo "            and its pricing kernel, and of rating 10,000 work orders through the services"
	@echo "            (writes docs/benchmarks.md)"

# --- setup --------------------------------------------------------------------------------
$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pacta needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing Debian's python3-venv"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q python3-venv >/dev/null; else sudo apt-get install -y -q python3-venv >/dev/null; fi; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }

$(STAMP): $(VENV)/bin/python pyproject.toml requirements.lock setup.py pacta/domain/_timeline.c
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) pdf-deps

# WeasyPrint (PDF reports) draws text with Pango, a system library.
pdf-deps:
	@/sbin/ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || { \
	  echo "Installing Debian's Pango for the PDF reports"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; else sudo apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; fi; }

# Pin what is installed now: run after changing a range in pyproject.toml.
lock: $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip freeze --exclude-editable | grep -v '^pacta' > requirements.lock

# --- the first command ----------------------------------------------------------------------
run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_load
	@echo "pacta is at http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# --- the second command ---------------------------------------------------------------------
test: lint test-unit test-django

lint: install
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check --fail-level WARNING

# Pure cores: run with Django's pytest plugin switched off, which proves they need no Django.
test-unit: install
	$(PY) -m pytest tests/unit -p no:django -p no:cacheprovider -q -W ignore::pytest.PytestConfigWarning

# Services, API over real HTTP, acceptance data, admin and pages in Debian's Chromium.
test-django: install browser-deps mail-deps
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest tests/integration tests/acceptance tests/browser -q -n 2 --dist loadfile

browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q chromium >/dev/null; else sudo apt-get install -y -q chromium >/dev/null; fi; }
	@test -x /usr/bin/chromium || { echo "chromium is missing: the browser tests cannot run" >&2; exit 1; }

# The e-mail poll is tested against a real IMAP server: Debian's Dovecot, which the tests run on a
# port of their own with a configuration of their own (the system's service is never started).
mail-deps:
	@test -x /usr/sbin/dovecot || { \
	  echo "Installing Debian's Dovecot (IMAP) for the mailbox tests"; \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null; else sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null; fi; }
	@test -x /usr/sbin/dovecot || { echo "dovecot is missing: the mailbox tests cannot run" >&2; exit 1; }

# --- benchmarks (never part of the tests) ------------------------------------------------------
# The peers are installed into the venv for the run only: they are not pacta's dependencies.
.PHONY: bench
bench: install
	$(PY) -m pip install -q -r bench/requirements.txt
	$(PY) bench/calendar_bench.py
	$(PY) bench/sweep_bench.py
	$(PY) bench/rating_bench.py
	$(PY) bench/rating_store_bench.py
	$(PY) bench/billing_bench.py

# --- translations -----------------------------------------------------------------------------
# Catalogues are committed compiled (.mo) so a fresh machine needs no gettext to run pacta.
messages: install
	$(PY) manage.py makemessages -l es -l fr -l ru --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/pacta.sqlite3* .pytest_cache .mypy_cache .ruff_cache
