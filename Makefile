# The README's two commands: `make run` (set up, migrate, seed the demo, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000

.PHONY: run test test-tools setup lint translations messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d lti_tool/translations 2>&1 | grep -v '^$$' || true

run: setup
	$(BIN)/lti-journeys db upgrade
	$(BIN)/lti-journeys demo seed
	$(BIN)/lti-journeys run --host 127.0.0.1 --port $(PORT)

# axe-core (npm) checks pages for accessibility in the browser tests; without npm they skip.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the accessibility (axe-core) tests will be skipped"; fi

test-tools: node_modules/.package-lock.json

# Test worker processes (pytest-xdist): one per CPU, at most 8; `make test TEST_WORKERS=0` runs
# serially. A test file stays on one worker (--dist loadfile), so its module fixtures start once.
TEST_WORKERS ?= auto
MAX_TEST_WORKERS ?= 8

test: setup test-tools
	$(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses $(MAX_TEST_WORKERS) --dist loadfile \
		--cov --cov-report=term:skip-covered

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Re-extract translatable strings after changing templates or code (then translate sv/en .po files).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o lti_tool/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i lti_tool/translations/messages.pot -d lti_tool/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .coverage
