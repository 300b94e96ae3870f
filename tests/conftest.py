"""Shared fixtures: the real program run per stack under Pulumi mocks, with the real stack files."""

from __future__ import annotations

import pytest
from order_pipeline import PipelineSettings
from stacks import STACKS, deploy, expected_settings

from harness.program import ProgramRun


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
