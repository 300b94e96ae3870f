# Two commands matter:  make demo   (the whole pipeline on a local AWS emulator)
#                       make test   (every test suite)
# Both set up their own environment from the locked dependencies (uv.lock). All a machine
# needs is python3 and make: uv itself is installed by pip into .tools/, at the version the
# dev dependency group pins, and never taken from PATH, so every machine runs the same uv.

UV_VERSION := $(shell sed -n 's/^ *"uv==\([0-9.]*\)",$$/\1/p' pyproject.toml)
UV := .tools/bin/uv
STACK ?= dev
ARGS ?=

.PHONY: setup demo local test lint check clean

$(UV): pyproject.toml
	@test -n "$(UV_VERSION)" || { echo "no uv==X.Y.Z pin in pyproject.toml's dev group" >&2; exit 2; }
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@touch $(UV)

setup: $(UV)  ## .venv with the locked dependencies; `. .venv/bin/activate` puts its tools on PATH
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

check: lint test demo

clean:
	rm -rf .venv .tools .localcloud .pytest_cache .mypy_cache .ruff_cache dist build
