# Two commands set up everything on a fresh machine: `make generate` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: generate check test test-fast lint wheel clean

# constraints.txt pins the exact tested set (pyproject.toml has ranges): a change to
# either reinstalls.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(PY) -m compileall -q generator
	touch $(STAMP)

generate: $(STAMP)
	$(PY) -m generator generate

check: $(STAMP)
	$(PY) -m generator check

lint: $(STAMP)
	$(PY) -m ruff check generator templates tests generated
	$(PY) -m mypy generator

test: $(STAMP)
	$(PY) -m pytest -n 2 -q

# The fast unit tests alone (seconds): for the edit-test loop.
test-fast: $(STAMP)
	$(PY) -m pytest tests/unit -q -n 2

# dist/openapi-typed-gen-*.whl, built with the setuptools of .venv (no download).
wheel: $(STAMP)
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation --wheel-dir dist .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
