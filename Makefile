# Two commands for a fresh machine:  make run  (install, index the seeds, start the app)  and  make test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# llama-cpp-python compiles llama.cpp for this CPU, with its AMX kernels where this CPU runs them: qa/llama_build.py
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF

.PHONY: run test install install-test browser index bench clean embeddinggemma rebuild-llama

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml qa/llama_build.py | $(PY)
	$(PY) -m qa.llama_build
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

# llama-cpp-python compiled again for this machine, whatever is installed
rebuild-llama: install
	$(PY) -m qa.llama_build --force

clean:
	rm -rf $(VENV) .kutip
