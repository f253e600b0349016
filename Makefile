# Every check CI runs, in the order it runs them. `make help` lists the targets.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: help check lint types test soak format

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/'

check: lint types test ## format, lint, types, then the tests: what CI runs

lint: ## ruff format --check and ruff check over the package and the tests
	$(BIN)/ruff format --check sessiontui tests
	$(BIN)/ruff check sessiontui tests

types: ## mypy --strict over the package and the tests (settings in pyproject.toml)
	$(BIN)/mypy

test: ## the test suite (soak runs excluded)
	$(BIN)/python -m pytest -q

soak: ## the long kill and fuzz soaks
	$(BIN)/python -m pytest -q -m soak

format: ## format the tree
	$(BIN)/ruff format sessiontui tests
