# osbp: every task of the repository. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_DIR := out/demo

.PHONY: help install system-deps demo test lint templates bench clean

help:
	@grep -hE '^## make |^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^## //; s/^([a-z-]+):[^#]*## /make \1    /'

## make install      .venv with osbp (editable) and the development tools
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## make system-deps  Debian packages the tests use (cloud-init's schema validator)
system-deps:
	@command -v cloud-init >/dev/null || { $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends cloud-init; }

## make demo         generate wordpress-3tier with its defaults and preview it offline
demo: install
	rm -rf $(DEMO_DIR)
	$(BIN)/osbp new wordpress-3tier --no-input -o $(DEMO_DIR)
	$(BIN)/osbp preview $(DEMO_DIR)/wordpress-3tier

## make test         lint, template freshness and the whole fast test suite
test: install system-deps lint
	$(BIN)/osbp templates build --check
	$(BIN)/python -m pytest -q

## make lint         ruff and mypy on the generator
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

## make templates    rebuild cookiecutter-templates/ from blueprints/
templates: install
	$(BIN)/osbp templates build

## make bench        time osbp --help, new and preview against their goals
bench: install
	$(BIN)/python benchmarks/cli_timings.py

clean:
	rm -rf out $(VENV) .pytest_cache .mypy_cache .ruff_cache

include $(wildcard sandbox/*.mk tests/nodes/*.mk e2e/*.mk)
