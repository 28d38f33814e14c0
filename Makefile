# convmanim: `make demo` renders the default animation, `make test` runs the tests.
# Both set everything up first (system packages, .venv, the package) and skip
# whatever is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.convmanim-installed

.PHONY: demo test setup system lint bench gallery clean

demo: setup
	$(BIN)/convmanim arithmetic -i 5 -k 3 -s 2 -p 1 -a -qa m --output-dir media demo
	@echo "Demo video written: media/demo.mp4"

test: setup
	$(BIN)/ruff check convmanim scenes tests
	$(BIN)/python -m pytest -q

setup: system $(STAMP)

system:
	@scripts/ensure-system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

lint: setup
	$(BIN)/ruff check convmanim scenes tests

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
