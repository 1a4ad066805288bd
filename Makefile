# Koers: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
KOERS_INSTANCE ?= ./instance
PYTEST_WORKERS ?= 2
CATALOGUES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test test-quick test-browser install install-test translations extract-messages clean

## run: install, create the demo practice if missing, serve on http://$(HOST):$(PORT) with the scheduler
run: install $(COMPILED)
	KOERS_INSTANCE="$(KOERS_INSTANCE)" $(BIN)/flask --app wsgi demo --if-missing
	KOERS_INSTANCE="$(KOERS_INSTANCE)" $(BIN)/flask --app wsgi serve --host "$(HOST)" --port "$(PORT)"

## test: install the test dependencies and run the whole suite (browser tests need chromium)
test: install-test $(COMPILED)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## test-quick: everything except browser and server-process tests
test-quick: install-test $(COMPILED)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not browser and not slow" $(PYTEST_ARGS)

test-browser: install-test $(COMPILED)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

## translations: compile the message catalogues
translations: $(COMPILED)

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d app/translations -l $* 

## extract-messages: refresh the template and both catalogues after changing texts
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k mark -o app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache test-output
