# fc — the single command surface of the workspace. `make help` lists the targets.
# Every target that needs uv installs it from PyPI first when it is missing.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SHELLFLAGS := -eu -o pipefail -c
# Bytecode caches save seconds per run on the large scientific stack (xarray, pandas, dask).
unexport PYTHONDONTWRITEBYTECODE

PACKAGES := fc-config fc-utils fc-datasets fc-graphs fc-models fc-training fc-inference
# Resolved lazily, so `make help` never installs anything.
UV = $(shell scripts/ensure-uv.sh)
RUN = $(UV) run --locked --all-packages
PYTEST = $(RUN) pytest
FAST := -m "not slow and not gpu"
PKG ?=
PYTEST_ARGS ?=

.PHONY: help
help: ## Show this help
	@echo "fc workspace — make targets:"
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'
	@echo "Variables: PKG=<package> for test-package/test-isolated, PYTEST_ARGS=... for extra pytest options."

.PHONY: install
install: ## Install uv if missing, then every package and the dev tools into .venv (from uv.lock)
	$(UV) sync --locked --all-packages

.PHONY: lock-check
lock-check: ## Check that uv.lock is in step with every pyproject.toml
	$(UV) lock --check

.PHONY: test
test: install ## Run all fast tests of every package and the integration tests
	$(PYTEST) $(FAST) $(PYTEST_ARGS) packages/*/tests tests-integration

.PHONY: test-slow
test-slow: install ## Run the tests marked slow
	$(PYTEST) -m "slow and not gpu" $(PYTEST_ARGS) packages/*/tests tests-integration

.PHONY: test-all
test-all: install ## Run every test except those that need a GPU
	$(PYTEST) -m "not gpu" $(PYTEST_ARGS) packages/*/tests tests-integration

.PHONY: test-package
test-package: install ## Run one package's fast tests in the workspace: make test-package PKG=fc-utils
	@test -n "$(PKG)" || { echo "usage: make test-package PKG=<one of: $(PACKAGES)>"; exit 2; }
	@test -d "packages/$(PKG)" || { echo "unknown package '$(PKG)'; packages: $(PACKAGES)"; exit 2; }
	$(PYTEST) $(FAST) $(PYTEST_ARGS) packages/$(PKG)/tests

.PHONY: test-isolated
test-isolated: ## Test each package (or PKG=...) in an env with only its declared dependencies
	scripts/test-isolated.sh $(PKG)

.PHONY: test-integration
test-integration: install ## Run the cross-package tests in tests-integration/
	$(PYTEST) $(FAST) $(PYTEST_ARGS) tests-integration

.PHONY: lint
lint: install ## Lint and check formatting with ruff
	$(RUN) ruff check .
	$(RUN) ruff format --check .

.PHONY: format
format: install ## Reformat the code and apply ruff's safe fixes
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

.PHONY: typecheck
typecheck: install ## Type-check every package with mypy
	$(RUN) mypy $(foreach p,$(PACKAGES),packages/$(p)/src/$(subst -,_,$(p)))

.PHONY: demo
demo: install ## Run the pipeline end to end on generated sample data (as far as it exists)
	$(UV) run --locked --all-packages --no-sync bash scripts/demo.sh

.PHONY: bench
bench: install ## Run the benchmarks and print their figures
	$(UV) run --locked --all-packages --no-sync python benchmarks/run.py $(BENCH_ARGS)

.PHONY: docs
docs: install ## Build the documentation into site/ (strict: warnings fail)
	$(RUN) python docs/gen_reference.py
	$(RUN) mkdocs build --strict

.PHONY: docs-serve
docs-serve: install ## Serve the documentation with live reload
	$(RUN) python docs/gen_reference.py
	$(RUN) mkdocs serve

.PHONY: wheels
wheels: ## Build every package's wheel and check each installs alone with a working CLI
	scripts/check-wheels.sh

.PHONY: ci
ci: lock-check lint typecheck test test-isolated ## Everything CI checks, locally

.PHONY: clean
clean: ## Remove build outputs, caches and the isolated test environments
	rm -rf build dist site .venvs .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
