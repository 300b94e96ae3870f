"""Run the real Pulumi program (`__main__.py`) in-process under Pulumi's mocks.

The Pulumi engine is replaced by a mock monitor that hands every resource
registration to a `pulumi.runtime.Mocks` implementation (fake ARNs for the
graph tests, real emulator resources for the local cloud) and records what was
registered: type, name, parent, dependencies, the exact inputs and the outputs.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from . import pulumi_internals as internals
from .stack_files import PROJECT_ROOT, StackConfig


@dataclass
class RegisteredResource:
    urn: str
    type: str
    name: str
    parent_urn: str
    dependencies: list[str]
    inputs: dict[str, Any]
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProgramRun:
    stack: str
    resources: list[RegisteredResource]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name_suffix: str = "") -> RegisteredResource:
        found = [r for r in self.of_type(type_token) if r.name.endswith(name_suffix)]
        if len(found) != 1:
            names = [r.name for r in self.of_type(type_token)]
            raise LookupError(f"expected one {type_token} named *{name_suffix}, found {names}")
        return found[0]

    def by_urn(self, urn: str) -> RegisteredResource:
        return next(r for r in self.resources if r.urn == urn)


class _RecordingMonitor(internals.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[RegisteredResource] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        # Registrations arrive on worker threads: decode this request's own inputs
        # rather than sharing state with the mocks.
        inputs = internals.request_inputs(request)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]  # SDK
        if request.type != "pulumi:pulumi:Stack":
            resource_id, outputs = internals.registered(self, response.urn)
            self.registrations.append(
                RegisteredResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent_urn=request.parent,
                    dependencies=list(request.dependencies),
                    inputs=inputs,
                    id=resource_id,
                    outputs=outputs,
                )
            )
        return response


def run_program(
    config: StackConfig,
    mocks: pulumi.runtime.Mocks,
    program: Path = PROJECT_ROOT / "__main__.py",
    preview: bool = False,
) -> ProgramRun:
    """Run `program` for `config.stack` and return everything it registered and exported.

    An exception raised by the program (e.g. a settings validation error) propagates.
    """
    monitor = _RecordingMonitor(mocks)

    # Each run gets a fresh root stack, config and RPC bookkeeping, so several
    # stacks can be run one after another in the same process.
    pulumi.runtime.set_all_config(config.as_pulumi_config())
    internals.install_mocks(
        mocks, monitor, project=config.project, stack=config.stack, preview=preview
    )

    exported: dict[str, Any] = {}

    def run() -> None:
        runpy.run_path(str(program), run_name="__main__")
        stack_outputs = internals.root_stack_outputs()
        exported.update(
            internals.sync_await(pulumi.Output.from_input(stack_outputs).future()) or {}
        )

    internals.sync_await(internals.run_program_function(run))
    return ProgramRun(stack=config.stack, resources=list(monitor.registrations), outputs=exported)
