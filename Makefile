# Two entry points for a fresh machine (README.md): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARGS ?=

.PHONY: setup demo test test-slow bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The main job end to end on embedded defaults (SQLite, local files); DEMO_ARGS passes options
## to `riskmodel demo` (e.g. DEMO_ARGS="--households 4000 --port 8001"). Ctrl-C stops its server (exit 0).
demo: $(STAMP)
	$(BIN)/riskmodel demo $(DEMO_ARGS)

## The fast tier, run often: everything not marked slow.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow"

## The slow tier (.ci/run runs it after `make test`): PostgreSQL, browser, demo subprocess,
## notebooks, fuzzing. PostgreSQL tests need RISKMODEL_TEST_POSTGRES_URL (CI sets it).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m slow

## Every benchmark at its default size (the 1M-household ones take minutes; see README).
bench: $(STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) demo mlflow.db mlartifacts riskmodel.db alias_history.jsonl
