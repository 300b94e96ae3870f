"""Deploy a stack into the emulator: the real __main__.py and stack config, EmulatorMocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.program import ProgramRun, run_program
from harness.stack_files import PROJECT_ROOT, StackConfig

from .emulator import Emulator
from .not_emulated import describe
from .provisioner import CreatedResource, EmulatorMocks, FunctionSpec, TriggerSpec


@dataclass
class Deployment:
    config: StackConfig
    run: ProgramRun
    created: list[CreatedResource]
    triggers: list[TriggerSpec]
    functions: dict[str, FunctionSpec]
    not_emulated: list[tuple[str, str]]

    @property
    def stack(self) -> str:
        return self.config.stack

    @property
    def outputs(self) -> dict[str, Any]:
        return self.run.outputs

    @property
    def settings(self) -> dict[str, Any]:
        return self.config.project_values()


def region_of(config: StackConfig) -> str:
    return str(config.values.get("aws:region") or "us-east-1")


def deploy(
    emulator: Emulator,
    config: StackConfig,
    program: Path = PROJECT_ROOT / "__main__.py",
    code_override: Path | None = None,
    echo: Callable[[str], None] = lambda _: None,
) -> Deployment:
    """Run `program` for `config` with every resource created in `emulator`."""
    if region_of(config) != emulator.region:
        raise ValueError(f"stack region {region_of(config)} != emulator region {emulator.region}")
    mocks = EmulatorMocks(emulator, code_override=code_override, echo=echo)
    run = run_program(config, mocks, program=program)
    return Deployment(
        config=config,
        run=run,
        created=list(mocks.created),
        triggers=list(mocks.triggers),
        functions=dict(mocks.functions),
        not_emulated=describe({r.type for r in run.resources}),
    )
