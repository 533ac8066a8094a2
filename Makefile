# Two commands do everything on a fresh machine (see README):
#   make book   - create .venv if missing, install, fetch data, execute every chapter, build the HTML
#   make test   - create .venv if missing, install, run the test suite
# PROFILE picks the training/analysis scale of the book: smoke | default | paper.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= default
PYTEST_ARGS ?=

.PHONY: book test venv benchmarks clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "toponet needs Python 3.11, found " + sys.version.split()[0] + " at $(PYTHON); set PYTHON=/path/to/python3.11"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[book,dev]'
	touch $@

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

book: venv
	$(PY) -m toponet fetch-data mnist
	$(PY) -m toponet.book build --profile $(PROFILE)

benchmarks: venv
	$(PY) benchmarks/topology.py
	$(PY) benchmarks/train_throughput.py

clean:
	rm -rf _build build-out
