# Layan: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PG_BIN := /usr/lib/postgresql/15/bin
CHROMIUM := /usr/bin/chromium
# The suite runs in this many processes (pytest-xdist), each with its own PostgreSQL
# server and browser: `make test TEST_WORKERS=1` runs it in one.
TEST_WORKERS ?= auto
LAYAN_DATABASE_URL ?= sqlite:///var/layan.db
export LAYAN_DATABASE_URL

.DEFAULT_GOAL := help
.PHONY: help run test lint format bench clean system-deps screenshots

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

run: $(STAMP) ## Start Layan with demo data at http://127.0.0.1:8000 (embedded SQLite)
	$(BIN)/layan serve --demo --host 127.0.0.1 --port 8000

test: $(STAMP) system-deps $(NODE_STAMP) ## Run the whole suite: SQLite, a real PostgreSQL server, headless Chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# PostgreSQL 15 and Chromium come from Debian; the suite starts and stops them itself.
# poppler-utils (pdftoppm) and zbar-tools (zbarimg) read issued PDFs' QR codes back.
system-deps:
	@missing=""; \
	[ -x $(PG_BIN)/initdb ] || missing="$$missing postgresql"; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	[ -x /usr/bin/pdftoppm ] || missing="$$missing poppler-utils"; \
	[ -x /usr/bin/zbarimg ] || missing="$$missing zbar-tools"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing (apt-get install$$missing)"; exit 1; fi; \
	fi

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

lint: $(STAMP) ## Check style and the import rules
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

format: $(STAMP) ## Format the code
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# pm4py (AGPL) is installed for the benchmarks only: a peer to measure against.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) system-deps ## Run the benchmarks and write bench/RESULTS.md
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.dfg
	$(BIN)/python -m bench.dashboard
	$(BIN)/python -m bench.notify
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.scale --database postgresql
	$(BIN)/python -m bench.open_tasks

screenshots: $(STAMP) system-deps $(NODE_STAMP) ## Retake docs/screenshots (phone and desktop widths)
	$(BIN)/python -m tests.browser.screenshots

clean: ## Remove the virtualenv, node packages and local data
	rm -rf $(VENV) node_modules var
