# Highland: `make run` serves the demo county, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The payment sandbox `make run` starts beside the demo (development only: the secret is
# the one settings use outside production, and `check --deploy` refuses it).
SANDBOX_PORT ?= 8765
SANDBOX_SECRET := sandbox-secret-not-for-production
# The SMS sandbox beside it (its inbox at http://127.0.0.1:8766/ shows the codes sent).
SMS_SANDBOX_PORT ?= 8766
SMS_SANDBOX_SECRET := sms-sandbox-secret-not-for-production
# Test processes: one per core (the suite races real threads inside each).
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help run setup install messages migrate demo test test-postgres lint format typecheck layers check ci bench bench-vrp clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Highland needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install Highland with its development tools

messages: $(STAMP) ## Compile the translation catalogues (Python, no system gettext needed)
	$(PY) manage.py compile_catalogs

migrate: messages ## Apply database migrations
	$(PY) manage.py migrate --no-input

demo: migrate ## Load the demo county (idempotent)
	$(PY) manage.py load_demo_county

setup: demo ## Install, migrate and load the demo county

run: setup ## Set up everything and serve the demo county (and the payment and SMS sandboxes) at http://127.0.0.1:8000
	@echo "Serving Highland at http://$(HOST):$(PORT)/, its payment sandbox at http://127.0.0.1:$(SANDBOX_PORT)/ and its SMS sandbox at http://127.0.0.1:$(SMS_SANDBOX_PORT)/  (Ctrl-C stops all)"
	@HIGHLAND_SANDBOX_SECRET=$(SANDBOX_SECRET) $(PY) -m highland.payments.sandbox \
		--port $(SANDBOX_PORT) --merchant highland-demo & sandbox=$$!; \
	HIGHLAND_SMS_SANDBOX_SECRET=$(SMS_SANDBOX_SECRET) $(PY) -m highland.messaging.sandbox \
		--port $(SMS_SANDBOX_PORT) --account highland-demo & sms_sandbox=$$!; \
	trap 'kill $$sandbox $$sms_sandbox 2>/dev/null' EXIT INT TERM; \
	PAYMENT_GATEWAY_URL=http://127.0.0.1:$(SANDBOX_PORT) PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
		SMS_BACKEND=http SMS_GATEWAY_URL=http://127.0.0.1:$(SMS_SANDBOX_PORT) \
		$(PY) manage.py runserver $(HOST):$(PORT)

test: messages ## Run the whole test suite (set DATABASE_URL for PostgreSQL)
	$(PY) -m pytest -n $(TEST_WORKERS)

test-postgres: messages ## Run the suite on the local PostgreSQL (database test)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) -m pytest -n $(TEST_WORKERS)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Reformat with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP) ## mypy with django-stubs
	$(BIN)/mypy highland

layers: $(STAMP) ## import-linter: the layering contracts in pyproject.toml
	$(BIN)/lint-imports

check: messages ## Django checks and migrations in sync
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: messages ## Benchmarks (~4 min, not in test/ci); report in docs/benchmarks.md
	bash bench/run.sh

bench-vrp: messages ## Planner quality vs PyVRP and OR-Tools (~40 min; BENCH_VRP_SECONDS, BENCH_VRP_INSTANCES)
	$(PY) -m bench.vrp

ci: ## What CI runs
	bash .ci/run

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var
