# The two commands a new user runs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/qec threshold

lint: $(VENV)/.installed-test
	$(BIN)/ruff check qec tests experiments docs

# The suite runs on every core (pytest-xdist; tests that start worker pools share them), and
# a process that runs out of tests takes queued ones from the other (worksteal), so that a
# few long tests do not leave one core idle at the end.
test: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest -n auto --dist worksteal --durations=15

# The documentation site, into docs/_build/html; any warning fails the build, and the
# getting-started notebook is executed as part of it.
docs: $(VENV)/.installed-docs
	$(BIN)/python -m sphinx -E -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) results .pytest_cache docs/_build docs/jupyter_execute
