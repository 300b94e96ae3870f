"""Shared fixtures: the real program run per stack under Pulumi mocks, with the real stack files."""

from __future__ import annotations

from typing import Any

import pytest
from fake_aws import FakeAwsMocks
from order_pipeline import PipelineSettings, settings_from_config

from localcloud.program import ProgramRun, run_program
from localcloud.stack_files import load_stack_config

STACKS = ["dev", "prod"]


def deploy(stack: str, overrides: dict[str, Any] | None = None) -> ProgramRun:
    return run_program(load_stack_config(stack, overrides), FakeAwsMocks())


def expected_settings(stack: str, overrides: dict[str, Any] | None = None) -> PipelineSettings:
    """What the stack files (Pulumi.yaml defaults + Pulumi.<stack>.yaml) say the settings are."""
    return settings_from_config(load_stack_config(stack, overrides).project_values())


@pytest.fixture(scope="session")
def stack_runs() -> dict[str, ProgramRun]:
    return {stack: deploy(stack) for stack in STACKS}


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def run(stack: str, stack_runs: dict[str, ProgramRun]) -> ProgramRun:
    return stack_runs[stack]


@pytest.fixture
def settings(stack: str) -> PipelineSettings:
    return expected_settings(stack)
