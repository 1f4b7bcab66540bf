# Two commands do everything on a fresh machine: `make book` and `make test`.
# The virtual environment installs requirements.lock (exact versions, generated from pyproject.toml by
# `make lock`) and the book's package on top; it is refreshed whenever either file changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: book test quick-book serve benchmark clean lock colab-check

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

## Regenerate requirements.lock from pyproject.toml with uv (keeps the locked versions that still satisfy
## pyproject.toml; `make lock UPGRADE=--upgrade` moves everything to the newest allowed).
UV_VERSION := 0.13.9
lock:
	@test -x $(VENV)/lock/bin/uv || ($(PYTHON) -m venv $(VENV)/lock && $(VENV)/lock/bin/python -m pip install -q uv==$(UV_VERSION))
	$(VENV)/lock/bin/uv pip compile pyproject.toml --extra cpu --extra book --extra test --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --annotation-style line --custom-compile-command "make lock" $(UPGRADE) -o requirements.lock

## Execute every chapter with its default parameters and build the site into _build/html, two chapters
## at a time (each in its own kernel; no chapter's numbers depend on what runs beside it).
book: $(STAMP)
	$(BIN)/nnfail build --jobs 2

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

## The book where Colab readers run it: Colab's packages in a fresh venv, the bootstrap install on top
## (TensorFlow/Keras/NumPy must stay Colab's), one chapter at quick size; resolver dry runs for 3.12/3.13.
colab-check: $(STAMP)
	$(BIN)/python validation/colab_check.py

## The same pipeline with quick parameters into _build/quick (a minute or two).
quick-book: $(STAMP)
	$(BIN)/nnfail build --quick --jobs 2 --build-dir _build/quick

serve: $(STAMP)
	$(BIN)/nnfail serve

## Timing scripts; never part of `make test`.
benchmark: $(STAMP)
	$(BIN)/python benchmarks/engine_vs_keras.py
	$(BIN)/python benchmarks/engine_flops.py
	$(BIN)/python benchmarks/roofline.py
	$(BIN)/python benchmarks/engine_vs_jax.py
	$(BIN)/python benchmarks/doctor_speed.py
	$(BIN)/python benchmarks/chapter_profile.py

clean:
	rm -rf _build
