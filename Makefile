# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app fund
PLAN   := fund/plan/data/handlingsplan-2022-2024.yaml
HOST   ?= 127.0.0.1
PORT   ?= 5000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install translations lint bench bench-coverage db clean system-deps mutants screenshots

# System libraries WeasyPrint needs (Debian/Ubuntu), poppler for the PDF tests,
# pg_dump/pg_restore for `flask backup`/`restore` on PostgreSQL, and wrk for `make bench`.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils \
                   postgresql-client wrk

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d fund/translations --statistics

db: install
	$(FLASK) db upgrade
	$(FLASK) plan load $(PLAN)

# Links in mail point here, and the app answers only to this host (and localhost).
run: export FUND_BASE_URL ?= http://$(HOST):$(PORT)
run: export FUND_TRUSTED_HOSTS ?= $(HOST) localhost
run: db
	$(FLASK) demo
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

# One worker per core (pytest-xdist), each on a database of its own (tests/conftest.py);
# a test file stays on one worker, so its module fixtures are made once.
PYTEST_ARGS ?= -n auto --dist loadfile
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The app and a minimal floor page under gunicorn, loaded by wrk, the PDFs and the deadline
# rush, on databases of its own (bench/run.py; results in bench/RESULTS.md). 10 to 18
# minutes, by the machine; BENCH_SIZES, BENCH_DURATION and the others in bench/run.py change it.
bench: install
	$(BIN)/python -m bench.run

# The coverage report's functions against their bare aggregate SQL, in-process, at 1 000
# and 100 000 applications (BENCH_COVERAGE_SIZES); a few minutes more than make bench has.
bench-coverage: install
	$(BIN)/python bench/coverage_report.py

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing $$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants

# Mutation testing of scoring, rules and the permission predicates (config: [tool.mutmut]
# in pyproject.toml). Slow: about 25 minutes on two cores. `mutmut results` lists survivors.
mutants: install
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

# The README's pictures of the key pages (docs/screenshots/), from make run's demo set-up.
screenshots: install
	$(BIN)/python scripts/screenshots.py
