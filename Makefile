# Two commands for a fresh machine:  make run  (install, index the seeds, start the app)  and  make test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# llama-cpp-python compiles llama.cpp; the multimodal part is not needed
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
# llama.cpp is built for this CPU (-march=native) but without its AMX kernels: on a virtual machine whose CPU
# reports AMX they stopped the process with "Illegal instruction" at the first prompt (seen here, 2026-12-07).
# The flags only where the compiler knows them; an explicit -mno-* outlasts -march=native.
AMX_OFF := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
NO_AMX := $(shell cc $(AMX_OFF) -E -x c /dev/null >/dev/null 2>&1 && echo $(AMX_OFF))
export CFLAGS += $(NO_AMX)
export CXXFLAGS += $(NO_AMX)

.PHONY: run test install install-test browser index bench clean embeddinggemma rebuild-llama

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(PY) app.py

index: install
	$(PY) -m qa index

test: install-test browser
	$(PY) -m pytest

# tests/test_browser.py: headless Chromium from Debian (Playwright uses it; no browser download)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@test -x /usr/bin/chromium || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	@/usr/bin/chromium --version 2>/dev/null

bench: install
	$(PY) -m qa bench

# EmbeddingGemma-300M for KUTIP_EMBEDDER=sentence-transformers:embeddinggemma-300m (downloads ~1.15 GB once)
embeddinggemma: install
	$(PY) -m embeddings.gemma_install

# llama-cpp-python compiled again with this Makefile's flags, past pip's cache of an earlier build
rebuild-llama: install
	$(PY) -m pip install --no-cache-dir --force-reinstall --no-deps "$$($(PY) -c 'import importlib.metadata as m; print("llama-cpp-python==" + m.version("llama-cpp-python"))')"

clean:
	rm -rf $(VENV) .kutip
