# Two entry points for a fresh machine (README.md): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The main job end to end on embedded defaults (SQLite, local files).
demo: $(STAMP)
	$(BIN)/riskmodel demo

## The test suite. PostgreSQL-backed tests run when RISKMODEL_TEST_POSTGRES_URL is set (CI sets it).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

## Every benchmark at its default size (the 1M-household ones take minutes; see README).
bench: $(STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) demo mlflow.db mlartifacts riskmodel.db alias_history.jsonl
