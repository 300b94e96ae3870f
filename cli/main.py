"""The `order-pipeline` command: status, publish, orders, smoke, dlq list, dlq redrive.

Exit codes: 0 done; 1 a check failed or something was left undone; 2 bad usage or
configuration, with one sentence saying what to fix.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from rich.progress import BarColumn, Progress, TextColumn

from . import redrive as moves
from .aws import Clients
from .dead_letters import dead_letter_queues, list_dead_letters
from .errors import ConfigurationError, LeftUndoneError
from .function import function_facts
from .orders import publish as publish_orders
from .orders import read_messages, read_orders
from .output import Output
from .smoke import Smoke, Step
from .status import gather, queue_depths
from .targets import Target, resolve

# Error codes that mean "fix the permissions" (SNS says AuthorizationError) ...
ACCESS_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
}
# ... and "fix the credentials": both are configuration, exit 2.
BAD_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
}
ORDER_COLUMNS = ["orderId", "userId", "itemName", "quantity", "status", "timestamp"]

app = typer.Typer(
    name="order-pipeline",
    help="Operate a deployed order pipeline (SNS -> SQS -> Lambda -> DynamoDB), on AWS "
    "or on the local cloud. See docs/operator.md.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dlq_app = typer.Typer(
    help="The dead-letter queues: list every message with why it is there; redrive.",
    no_args_is_help=True,
)
app.add_typer(dlq_app, name="dlq")


class Session:
    """The global options, and the target they name (resolved on first use)."""

    def __init__(self, local: bool, stack: str | None, outputs_file: Path | None) -> None:
        self.choice = (local, stack, outputs_file)
        self.out = Output()
        self._target: Target | None = None
        self._clients: Clients | None = None

    @property
    def target(self) -> Target:
        if self._target is None:
            self._target = resolve(*self.choice)
        return self._target

    @property
    def clients(self) -> Clients:
        if self._clients is None:
            self._clients = Clients(self.target)
        return self._clients


@app.callback()
def options(
    ctx: typer.Context,
    local: Annotated[
        bool, typer.Option("--local", help="the running local cloud (python -m localcloud serve)")
    ] = False,
    stack: Annotated[
        str | None,
        typer.Option(
            "--stack",
            metavar="NAME",
            help="outputs of `pulumi stack output --json --stack NAME` (with --local: "
            "the local cloud of that stack)",
        ),
    ] = None,
    outputs: Annotated[
        Path | None,
        typer.Option("--outputs", metavar="FILE", help="stack outputs saved as JSON"),
    ] = None,
) -> None:
    ctx.obj = Session(local, stack, outputs)


def _aws_error(out: Output, error: ClientError) -> int:
    details = error.response.get("Error", {})
    code, message = details.get("Code", "?"), details.get("Message", "")
    if code in ACCESS_DENIED:
        out.error(
            f"{error.operation_name} was denied ({message}): grant the permissions listed "
            "in docs/operator.md for this command."
        )
        return 2
    if code in BAD_CREDENTIALS:
        out.error(
            f"AWS rejected the credentials ({code}: {message}): refresh them "
            "(e.g. `aws sso login`) or choose another profile (AWS_PROFILE)."
        )
        return 2
    out.error(f"{error.operation_name} failed: {code}: {message}")
    return 1


def _run(ctx: typer.Context, body: Callable[[Session], int]) -> None:
    session: Session = ctx.obj
    out = session.out
    try:
        code = body(session)
    except ConfigurationError as error:
        out.error(str(error))
        code = 2
    except LeftUndoneError as error:
        out.error(str(error))
        code = 1
    except (NoCredentialsError, PartialCredentialsError, NoRegionError):
        out.error(
            "no AWS credentials were found: configure them as for the AWS CLI "
            "(AWS_PROFILE, `aws configure` or `aws sso login`)."
        )
        code = 2
    except EndpointConnectionError as error:
        out.error(f"cannot reach {error.kwargs.get('endpoint_url')}: check the target is up.")
        code = 2
    except ClientError as error:
        code = _aws_error(out, error)
    except BotoCoreError as error:  # a timeout, a dropped connection, a bad parameter
        out.error(f"an AWS request failed: {error}")
        code = 1
    raise typer.Exit(code)


JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON only")]


# --- status ------------------------------------------------------------------------------


@app.command()
def status(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Queue (visible, in flight, oldest age), DLQ depths, trigger, alarms, table."""

    def body(s: Session) -> int:
        data = gather(s.clients, s.target)
        if as_json:
            s.out.json(data)
            return 0
        _print_status(s.out, data)
        return 0

    _run(ctx, body)


def _print_status(out: Output, data: dict[str, Any]) -> None:
    out.say(f"Target: {data['target']}")
    rows = []
    for key, label in (
        ("queue", "order queue"),
        ("deadLetterQueue", "dead-letter queue"),
        ("subscriptionDeadLetterQueue", "undeliverable (subscription DLQ)"),
    ):
        if key in data:
            q = data[key]
            rows.append([label, q["visible"], q["inFlight"], q.get("oldestAgeSeconds"), q["url"]])
    out.table("Queues", ["queue", "visible", "in flight", "oldest age (s)", "url"], rows)
    trigger = data["trigger"]
    out.say(f"Trigger: {trigger['state']}")
    alarms = [[a["name"], a["state"], a["reason"]] for a in data["alarms"]]
    out.table("Alarms", ["alarm", "state", "reason"], alarms)
    table = data["table"]
    out.say(
        f"Table {table['name']}: {table.get('status')}, about {table.get('itemCount')} item(s)"
        " (DynamoDB's approximate count)"
    )
    waiting = sum(
        data[k]["visible"] for k in ("deadLetterQueue", "subscriptionDeadLetterQueue") if k in data
    )
    if waiting:
        out.say(
            f"{waiting} message(s) wait in dead-letter queues: order-pipeline dlq list", "yellow"
        )


# --- publish, orders ------------------------------------------------------------------------


@app.command()
def publish(
    ctx: typer.Context,
    orders: Annotated[
        list[str], typer.Argument(metavar="ORDER_JSON|@FILE|-", help="one or more orders")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Publish orders through the topic; print each orderId and the SNS message id."""

    def body(s: Session) -> int:
        texts = read_messages(orders)
        published = publish_orders(s.clients("sns"), s.target["topicArn"], texts)
        if as_json:
            s.out.json(published)
            return 0
        for row in published:
            s.out.say(f"published orderId {row['orderId']}  messageId {row['messageId']}")
        if s.out.terminal:
            s.out.say(
                "messageId is the SNS MessageId; the function logs the SQS messageId and the"
                " orderId (see docs/operator.md, Tracing a message).",
                "dim",
            )
        return 0

    _run(ctx, body)


@app.command()
def orders(
    ctx: typer.Context,
    as_json: JsonFlag = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="read at most N items")] = 50,
) -> None:
    """Read the orders table."""

    def body(s: Session) -> int:
        items = read_orders(s.clients("dynamodb"), s.target["tableName"], limit)
        if as_json:
            s.out.json(items)
            return 0
        rows = [[item.get(c) for c in ORDER_COLUMNS] for item in items]
        s.out.table(
            f"Orders table {s.target['tableName']}: {len(items)} item(s)", ORDER_COLUMNS, rows
        )
        return 0

    _run(ctx, body)


# --- smoke ------------------------------------------------------------------------------------


@app.command()
def smoke(
    ctx: typer.Context,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, metavar="SECONDS", help="for all the steps")
    ] = 60,
) -> None:
    """Publish a probe order; wait for it in the table and in the function's log; delete it."""

    def body(s: Session) -> int:
        facts = function_facts(s.clients("lambda"), s.target)

        def show(step: Step) -> None:
            mark, style = ("ok  ", "green") if step.ok else ("FAIL", "red")
            detail = f" ({step.detail})" if step.detail else ""
            s.out.say(f"{step.seconds:6.1f} s  {mark} {step.name}{detail}", style)

        run = Smoke(s.clients, s.target.__getitem__, facts.log_group, timeout, show)
        if run.run():
            s.out.say("smoke test passed", "green")
            return 0
        failed = next(step for step in run.steps if not step.ok)
        raise LeftUndoneError(
            f"smoke test failed: {failed.name!r} did not happen within {timeout:g} s."
        )

    _run(ctx, body)


# --- dlq ---------------------------------------------------------------------------------------


@dlq_app.command("list")
def dlq_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Every dead letter: re-validated with the handler's code, and the reason it last logged."""

    def body(s: Session) -> int:
        facts = function_facts(s.clients("lambda"), s.target)
        rows = list_dead_letters(
            s.clients("sqs"),
            s.clients("logs"),
            dead_letter_queues(s.target),
            facts.raw_delivery,
            facts.log_group,
        )
        if as_json:
            s.out.json(rows)
            return 0
        columns = ["queue", "messageId", "orderId", "receives", "sentAt", "verdict", "why"]
        table = [
            [
                r["queue"],
                r["messageId"],
                r["orderId"],
                r["receiveCount"],
                r["sentAt"],
                r["verdict"],
                r["reason"] or r["deliveryError"] or r["loggedReason"],
            ]
            for r in rows
        ]
        s.out.table(f"Dead letters: {len(rows)} message(s)", columns, table)
        for r in rows:
            if r["loggedReason"]:
                s.out.say(f"  {r['messageId']}: the function last logged {r['loggedReason']}")
        return 0

    _run(ctx, body)


def _plan(target: Target, valid_only: bool) -> list[tuple[Any, bool, str]]:
    """(queue, native?, how) for each dead-letter queue."""
    plan = []
    for queue in dead_letter_queues(target):
        if queue.label != "dead-letter":
            how = (
                "message by message, valid ones only: SNS feeds this queue, and"
                " StartMessageMoveTask accepts only DLQs of SQS queues"
            )
            plan.append((queue, False, how))
        elif valid_only:
            plan.append((queue, False, "message by message, valid ones only (--valid-only)"))
        elif target.is_local:
            how = (
                "message by message, valid ones only: the local emulator has no"
                " StartMessageMoveTask"
            )
            plan.append((queue, False, how))
        else:
            plan.append((queue, True, "SQS move task (StartMessageMoveTask), every message"))
    return plan


def _confirm(out: Output, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConfigurationError(
            "dlq redrive moves messages and asks for confirmation first: run it in a terminal,"
            " or pass --yes."
        )
    if not typer.confirm("Move these messages to the order queue?", default=False):
        raise LeftUndoneError("nothing was moved (not confirmed).")


@dlq_app.command("redrive")
def dlq_redrive(
    ctx: typer.Context,
    valid_only: Annotated[
        bool, typer.Option("--valid-only", help="move only messages that pass validation")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would move")] = False,
    rate: Annotated[
        int | None,
        typer.Option("--rate", metavar="N", min=1, max=moves.MAX_RATE, help="messages per second"),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Move dead letters back to the order queue; nothing is deleted before it is sent."""

    def body(s: Session) -> int:
        facts = function_facts(s.clients("lambda"), s.target)
        plan = _plan(s.target, valid_only)
        for queue, _native, how in plan:
            s.out.say(f"{queue.label} queue -> order queue: {how}")
        if dry_run:
            for queue, native, _how in plan:
                _dry_run(s, queue, native, facts.raw_delivery)
            s.out.say("dry run: nothing was moved")
            return 0
        _confirm(s.out, yes)
        undone = []
        for queue, native, _how in plan:
            if native:
                undone += _native_move(s, queue, rate)
            else:
                undone += _move_valid(s, queue, facts.raw_delivery, rate, keep_ok=valid_only)
        if undone:
            raise LeftUndoneError("; ".join(undone))
        return 0

    _run(ctx, body)


def _dry_run(s: Session, queue: Any, native: bool, raw_delivery: bool) -> None:
    sqs = s.clients("sqs")
    if native:
        count = queue_depths(sqs, queue.url)["visible"]
        s.out.say(f"{queue.label}: would start a move task for about {count} message(s)")
        return
    report = moves.move_valid_messages(sqs, queue, s.target["queueUrl"], raw_delivery, dry_run=True)
    _print_moves(s.out, queue.label, "would move", report.would_move)
    _print_moves(s.out, queue.label, "would stay (rejected)", report.kept)


def _print_moves(out: Output, label: str, what: str, entries: list[dict[str, Any]]) -> None:
    rows = [[e["messageId"], e["orderId"], e["reason"]] for e in entries]
    out.table(f"{label}: {what}: {len(entries)}", ["messageId", "orderId", "reason"], rows)


def _native_move(s: Session, queue: Any, rate: int | None) -> list[str]:
    sqs = s.clients("sqs")
    if queue_depths(sqs, queue.url)["visible"] == 0:
        s.out.say(f"{queue.label}: empty, nothing to move")
        return []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=s.out.console,
        disable=not s.out.terminal,
    ) as progress:
        bar = progress.add_task(f"{queue.label}: moving", total=None)

        def show(task: dict[str, Any]) -> None:
            moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
            total = task.get("ApproximateNumberOfMessagesToMove")
            progress.update(bar, completed=moved, total=total)
            if not s.out.terminal:
                s.out.say(f"{queue.label}: {task.get('Status')}, {moved}/{total} moved")

        try:
            task = moves.run_move_task(sqs, queue.arn, s.target["queueArn"], rate, show)
        except moves.MoveCancelledError as cancelled:
            return [f"{queue.label}: move task cancelled after about {cancelled.moved} moved"]
    if task.get("Status") != "COMPLETED":
        reason = task.get("FailureReason") or task.get("Status")
        return [f"{queue.label}: move task ended {task.get('Status')}: {reason}"]
    s.out.say(f"{queue.label}: moved {task.get('ApproximateNumberOfMessagesMoved')} message(s)")
    return []


def _move_valid(
    s: Session, queue: Any, raw_delivery: bool, rate: int | None, keep_ok: bool
) -> list[str]:
    report = moves.move_valid_messages(
        s.clients("sqs"), queue, s.target["queueUrl"], raw_delivery, dry_run=False, rate=rate
    )
    _print_moves(s.out, queue.label, "moved", report.moved)
    if report.kept:
        _print_moves(s.out, queue.label, "stay (rejected)", report.kept)
    if report.failed:
        _print_moves(s.out, queue.label, "failed", report.failed)
    undone = []
    if report.failed:
        undone.append(f"{queue.label}: {len(report.failed)} message(s) could not be moved")
    if report.kept and not keep_ok:
        undone.append(f"{queue.label}: {len(report.kept)} rejected message(s) stay in the queue")
    return undone


def run() -> None:
    """The console script's entry point."""
    app(prog_name="order-pipeline")
