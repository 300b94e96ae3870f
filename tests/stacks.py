"""Run the real program for a stack, and read what its stack files say the settings are."""

from __future__ import annotations

from typing import Any

from fake_aws import FakeAwsMocks
from order_pipeline import PipelineSettings, settings_from_config

from harness.program import ProgramRun, run_program
from harness.stack_files import load_stack_config

STACKS = ["dev", "prod"]


def deploy(stack: str, overrides: dict[str, Any] | None = None) -> ProgramRun:
    return run_program(load_stack_config(stack, overrides), FakeAwsMocks())


def expected_settings(stack: str, overrides: dict[str, Any] | None = None) -> PipelineSettings:
    """What the stack files (Pulumi.yaml defaults + Pulumi.<stack>.yaml) say the settings are."""
    return settings_from_config(load_stack_config(stack, overrides).project_values())
