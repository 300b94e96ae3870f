# Two commands matter:  make demo   (the whole pipeline on a local AWS emulator)
#                       make test   (every test suite)
# Both set up their own environment with uv from the locked dependencies (uv.lock).

UV_VERSION := 0.13.9
# Use uv from PATH when there is one, else a private copy bootstrapped with pip.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
STACK ?= dev
ARGS ?=

.PHONY: setup demo local test lint check clean

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

setup: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --locked --quiet

demo: setup  ## deploy a stack on the local emulator, run the scripted orders, check the results
	$(UV) run python -m localcloud demo --stack $(STACK) $(ARGS)

local: setup  ## deploy a stack on the local emulator and keep it running
	$(UV) run python -m localcloud serve --stack $(STACK) $(ARGS)

test: setup  ## unit (Pulumi mocks), handler (moto) and end-to-end (local cloud) tests
	$(UV) run pytest $(ARGS)

lint: setup  ## ruff, mypy, the workflow and Dependabot config against their schemas, zizmor
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(UV) run check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(UV) run zizmor --offline --no-progress .github/
	@grep -q '"uv==$(UV_VERSION)"' pyproject.toml || { echo "UV_VERSION $(UV_VERSION) in the Makefile differs from the uv pin in pyproject.toml: change both"; exit 1; }

check: lint test demo

clean:
	rm -rf .venv .tools .localcloud .pytest_cache .mypy_cache .ruff_cache dist build
