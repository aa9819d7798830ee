# The portal's commands. `make help` lists them.
# Two commands matter on a fresh machine: `make run` and `make test` (see README.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app portal
PYBABEL := $(VENV)/bin/pybabel
HOST ?= 127.0.0.1
PORT ?= 5000

export PORTAL_ENV ?= development

.PHONY: help
help: ## List the make targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

static/vendor/htmx.min.js: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	touch $@

.PHONY: packages
packages: $(VENV)/.installed static/vendor/htmx.min.js ## Install Python packages and htmx

.PHONY: compile-translations
compile-translations: $(VENV)/.installed
	@for po in translations/*/LC_MESSAGES/messages.po; do \
		[ -e "$$po" ] || continue; \
		$(PYBABEL) -q compile -i "$$po" -o "$${po%.po}.mo"; \
	done

.PHONY: setup
setup: packages compile-translations ## Install everything, migrate the database, load the directory
	$(FLASK) migrate
	$(FLASK) load-directory

.PHONY: run
run: setup ## Serve the portal at http://127.0.0.1:5000 (SQLite, local mail sink, delivery worker)
	$(PY) scripts/run_dev.py --host $(HOST) --port $(PORT)

.PHONY: translations
translations: $(VENV)/.installed ## Extract strings, update every catalog, compile them
	$(PYBABEL) -q extract -F babel.cfg -k N_ -k _l -o translations/messages.pot --no-location \
		--sort-output --project portal --copyright-holder "the portal project" --msgid-bugs-address "" .
	$(PYBABEL) -q update -i translations/messages.pot -d translations --no-fuzzy-matching \
		--ignore-obsolete
	$(MAKE) compile-translations

.PHONY: check-strings
check-strings: $(VENV)/.installed ## Fail if translations/messages.pot is out of date with the code
	$(PYBABEL) -q extract -F babel.cfg -k N_ -k _l -o /tmp/portal-check.pot --no-location \
		--sort-output --project portal --copyright-holder "the portal project" --msgid-bugs-address "" . >/dev/null
	@diff <(grep -v '^"POT-Creation-Date' translations/messages.pot) \
		<(grep -v '^"POT-Creation-Date' /tmp/portal-check.pot) >/dev/null || \
		{ echo "translations/messages.pot is stale: run make translations"; exit 1; }

.PHONY: system-packages
system-packages: ## Install Debian's chromium, Noto fonts and PostgreSQL (for tests)
	scripts/install_system_packages.sh

.PHONY: lint
lint: $(VENV)/.installed ## Ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: test
test: system-packages setup lint check-strings ## Install what tests need and run every test
	PORTAL_ENV=production scripts/with_postgres.sh $(VENV)/bin/pytest

.PHONY: bench
bench: system-packages setup ## Run every benchmark under bench/ and write docs/performance.md
	scripts/install_system_packages.sh wrk
	$(PY) bench/run_all.py

.PHONY: clean
clean: ## Remove the virtualenv, node_modules, compiled catalogs and the dev database
	rm -rf $(VENV) node_modules static/vendor instance translations/*/LC_MESSAGES/*.mo
