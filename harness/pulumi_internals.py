"""Every private or undocumented Pulumi SDK API this repository uses, and why (one place).

The public testing API (`pulumi.runtime.set_mocks`, `pulumi.runtime.test`) runs one
program per process and hands the mocks only what a resource asks for. The harness
(harness/program.py) needs more: run the real `__main__.py` several times in one process
(a stack after another), record every registration with its parent and dependencies,
and read the stack's exports. The names below come from the SDK's internals
(checked against pulumi 3.272, pulumi/runtime/{mocks,rpc,settings,stack,sync_await}.py);
on an upgrade that renames or reshapes one of them, this module fails to import or the
harness tests (tests/test_stack_graph.py and every graph test) fail, nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pulumi.runtime import mocks as _mocks
from pulumi.runtime import rpc as _rpc
from pulumi.runtime import settings as _settings
from pulumi.runtime.stack import run_pulumi_func as _run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

T = TypeVar("T")

# The mock engine; subclassed to record registrations. Its `resources` dict (urn ->
# ResourceRegistration(urn, id, state)) is read by `registered` below. Would break if
# MockMonitor were renamed or stopped keeping registrations by URN.
MockMonitor = _mocks.MockMonitor


def registered(monitor: Any, urn: str) -> tuple[str | None, dict[str, Any]]:
    """(id, output state) the mock monitor recorded for `urn`."""
    registration = monitor.resources[urn]
    return registration.id, dict(registration.state)


def request_inputs(request: Any) -> dict[str, Any]:
    """A RegisterResource request's inputs as Python values (rpc.deserialize_properties).

    Each registration is decoded from its own gRPC request because registrations arrive
    on worker threads; would break if the request's `object` field or the function moved.
    """
    ensure_event_loop()
    return dict(_rpc.deserialize_properties(request.object))


def ensure_event_loop() -> None:
    """Give this (worker) thread an event loop: Output decoding needs one.

    `_ensure_event_loop` is private; would break if renamed or removed.
    """
    _ensure_event_loop()  # type: ignore[no-untyped-call]  # untyped in the SDK


def sync_await(awaitable: Awaitable[T]) -> T:
    """Run a coroutine to completion on the SDK's loop (private `_sync_await`), as
    `pulumi.runtime.test` does, so a program runs synchronously from a plain function."""
    return _sync_await(awaitable)


def run_program_function(function: Callable[[], None]) -> Awaitable[Any]:
    """The SDK's own program runner (`stack.run_pulumi_func`): runs `function`, then waits
    for every outstanding RPC and registers the stack outputs."""
    return _run_pulumi_func(function)


def install_mocks(mocks: Any, monitor: Any, *, project: str, stack: str, preview: bool) -> None:
    """`pulumi.runtime.set_mocks`, made repeatable within one process.

    `settings.ROOT` (a ContextVar holding the root Stack resource) is cleared first, or
    set_mocks would keep the previous run's stack and parent this run's resources to it;
    `SETTINGS.rpc_manager` and `SETTINGS.outputs` are cleared after, or the run would wait
    on the previous run's RPCs. All three are SDK module globals; would break if renamed.
    """
    _settings.ROOT.set(None)
    _mocks.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    _settings.SETTINGS.rpc_manager.clear()
    _settings.SETTINGS.outputs.clear()


def root_stack_outputs() -> Any:
    """The root Stack resource's exports (its `outputs` attribute, not a public API)."""
    return getattr(_settings.get_root_resource(), "outputs", {})


def construct_inputs(values: dict[str, Any]) -> dict[str, Any]:
    """Inputs as a provider's Construct request delivers them to a component.

    Serialized to a protobuf Struct, as the engine sends them (numbers become doubles),
    then decoded by the provider server's own decoder (`ProviderServicer._construct_inputs`,
    private), so a test runs exactly what a real request goes through. Would break if the
    server renamed that helper or changed its (struct, dependencies) signature.
    """
    from pulumi.provider.server import ProviderServicer

    async def wire() -> dict[str, Any]:
        struct = await _rpc.serialize_properties(values, {})
        decoded: dict[str, Any] = await ProviderServicer._construct_inputs(struct, {})
        return decoded

    return _sync_await(wire())
