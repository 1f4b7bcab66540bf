# Two commands do everything on a fresh machine: `make book` and `make test`.
# The virtual environment is (re)created from pyproject.toml whenever it changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: book test quick-book serve benchmark clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $(STAMP)

## Execute every chapter with its default parameters and build the site into _build/html.
book: $(STAMP)
	$(BIN)/nnfail build

# The browser test drives Debian's headless Chromium (no browser download at test time).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
$(CHROMIUM):
	@echo "installing Debian's chromium and chromium-driver for the browser test"
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

## Unit tests, a quick-parameter smoke run of every chapter, a strict build of the site, a browser test.
test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -q -ra

## The same pipeline with quick parameters into _build/quick (a minute or two).
quick-book: $(STAMP)
	$(BIN)/nnfail build --quick --build-dir _build/quick

serve: $(STAMP)
	$(BIN)/nnfail serve

## Timing scripts; never part of `make test`.
benchmark: $(STAMP)
	$(BIN)/python benchmarks/engine_vs_keras.py
	$(BIN)/python benchmarks/engine_flops.py
	$(BIN)/python benchmarks/doctor_speed.py

clean:
	rm -rf _build
