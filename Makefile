# Two commands do everything on a fresh machine (see README):
#   make book   - create .venv if missing, install, fetch data, execute every chapter, build the HTML
#   make test   - create .venv if missing, install, run the test suite
# and one reruns a chapter with your own parameters, into _build/runs/ (the book is not touched):
#   make chapter NAME=01_mnist PARAMS="-p k 100 -p p 0.2"
# PROFILE picks the training/analysis scale of the book: smoke | default | paper.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3.12 2>/dev/null || command -v python3)
# The pinned stack has wheels for both; 3.11 is the one CI and the maintainers test with.
SUPPORTED_PYTHON := 3.11 3.12
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= default
PYTEST_ARGS ?=

.PHONY: book test verify venv benchmarks clean check-python chapter check-chapter-name

venv: $(VENV)/.installed

check-python:
	@v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || \
	  { echo "toponet: cannot run PYTHON=$(PYTHON); set PYTHON=/path/to/python3.11 (or python3.12)" >&2; exit 1; }; \
	case " $(SUPPORTED_PYTHON) " in *" $$v "*) ;; \
	  *) echo "toponet needs Python 3.11 or 3.12, found $$v at $(PYTHON); set PYTHON=/path/to/python3.11 (or python3.12)" >&2; exit 1;; esac

$(VENV)/.installed: pyproject.toml | check-python
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[book,dev]'
	touch $@

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

# The record's chain (results/verdicts.json -> stored tests, calibrations -> clouds -> artifacts);
# VERIFY_ARGS="--recompute 3" also reruns a random sample of stored tests (CI: --strict --recompute 3).
VERIFY_ARGS ?=
verify: venv
	$(PY) -m toponet verify $(VERIFY_ARGS)

book: venv
	$(PY) -m toponet fetch-data mnist
	$(PY) -m toponet.book build --profile $(PROFILE)

# One chapter with your own parameters (python -m toponet.book run): NAME, a chapter (01_mnist);
# PARAMS, "-p NAME VALUE" pairs; PROFILE, where the values start from; CHAPTER_ARGS, e.g. --html
# (an offline page) or --dry-run (print the values and what would be trained, run nothing).
NAME ?=
PARAMS ?=
CHAPTER_ARGS ?=
chapter: check-chapter-name venv
	$(PY) -m toponet.book run $(NAME) --profile $(PROFILE) $(PARAMS) $(CHAPTER_ARGS)

check-chapter-name:
	@test -n "$(NAME)" || { echo 'make chapter needs NAME=<chapter>, e.g. make chapter NAME=01_mnist PARAMS="-p p 0.5"' >&2; exit 2; }

# Side by side with ripser.py / giotto-tda / scikit-learn / a plain training loop; ripser.py is
# a benchmark-only extra (.[bench]). BENCH_ARGS=--quick for small clouds, --json for rows.
BENCH_ARGS ?=
benchmarks: venv
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) benchmarks/topology.py $(BENCH_ARGS)
	$(PY) benchmarks/train_throughput.py $(BENCH_ARGS)

clean:
	rm -rf _build build-out
