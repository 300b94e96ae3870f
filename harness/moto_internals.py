"""Every moto internal this repository uses, and why (one place).

moto's public API is `mock_aws`, `ThreadedMotoServer` and the /moto-api endpoints. The
local cloud and the tests need a few reads and one hook beyond it; each is below with
the reason. Checked against moto 5.2.5 (moto/backends.py, moto/sqs/models.py,
moto/awslambda/models.py, moto/core/models.py). On an upgrade that renames one, the
function here breaks (AttributeError/ImportError) and with it the tests that use it:
tests/e2e (queue snapshots, deployed code, the mapping check) and tests/handler (faults).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.core.models import MockAWS, botocore_stubber

__all__ = [
    "MOTO_BEFORE_SEND",
    "MessageState",
    "MockAWS",
    "cache_server_module_list",
    "function_code",
    "queue_event_source_mappings",
    "queued_messages",
]

# moto answers every in-process boto3 request from this `before-send` handler. The handler
# tests wrap it for one client to inject faults per request (a throttled PutItem never
# reaches moto's storage). Would break if moto stopped routing mock_aws through it.
MOTO_BEFORE_SEND: Any = botocore_stubber


def cache_server_module_list() -> None:
    """Speed-up only: moto's server lists its own package directory on every request
    (to route it, under a global lock); the list cannot change while it runs, so it is
    computed once. Patches `moto.backends.list_of_moto_modules`; if that name goes away
    this does nothing (the server is only slower)."""
    import moto.backends

    listing = getattr(moto.backends, "list_of_moto_modules", None)
    if listing is None or getattr(listing, "_localcloud_cached", False):
        return
    modules = tuple(listing())

    def cached() -> tuple[str, ...]:
        return modules

    cached._localcloud_cached = True  # type: ignore[attr-defined]  # marker on a function
    moto.backends.list_of_moto_modules = cached


@dataclass(frozen=True)
class MessageState:
    """What SQS knows about a message, read without receiving it."""

    message_id: str
    body: str
    receive_count: int
    sent_timestamp_ms: int
    visible: bool


def _sqs_queue(account: str, region: str, queue_name: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[account][region].get_queue(queue_name)


def queued_messages(account: str, region: str, queue_name: str) -> list[MessageState]:
    """Every message of a queue (visible or in flight) with its exact receive count.

    Any API read (ReceiveMessage) is itself a receive and changes the count, so the
    queue's message list is read under moto's own `_messages_lock`.
    """
    queue = _sqs_queue(account, region, queue_name)
    with queue._messages_lock:
        messages = list(queue._messages)
    return [
        MessageState(
            message_id=m.id,
            body=m.body,
            receive_count=m.approximate_receive_count,
            sent_timestamp_ms=int(m.sent_timestamp or 0),
            visible=m.visible,
        )
        for m in messages
    ]


def queue_event_source_mappings(account: str, region: str, queue_name: str) -> dict[str, Any]:
    """The event source mappings moto attached to a queue (with one, moto would consume
    the queue's messages itself; the local cloud relies on there being none)."""
    mappings: dict[str, Any] = _sqs_queue(account, region, queue_name).lambda_event_source_mappings
    return mappings


def function_code(account: str, region: str, function_name: str) -> bytes:
    """A function's deployment package as moto holds it (`code_bytes`): moto's GetFunction
    answers with a Code.Location URL it does not serve."""
    from moto.awslambda.models import lambda_backends

    return bytes(lambda_backends[account][region].get_function(function_name).code_bytes)
