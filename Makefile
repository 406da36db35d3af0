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

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) demo mlflow.db mlartifacts riskmodel.db alias_history.jsonl
