# Two commands for a fresh machine:  make run  (install, index the seeds, start the app)  and  make test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# llama-cpp-python compiles llama.cpp; the multimodal part is not needed
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF

.PHONY: run test install install-test index bench clean

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

test: install-test
	$(PY) -m pytest

bench: install
	$(PY) -m qa bench

clean:
	rm -rf $(VENV) .kutip
