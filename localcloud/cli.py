"""`python -m localcloud <demo|serve> [--stack dev] [-c key=value ...]`.

To publish, read the table or the DLQs of a running `serve`, use `order-pipeline --local`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from typing import Any

from harness.stack_files import StackConfigError, load_stack_config, parse_overrides

from .cloud import LocalCloud
from .emulator import ACCESS_KEY, SECRET_KEY
from .printout import batch_result, invocation_summary, log_text, receive_counts
from .scenario import run_demo
from .state import ServeState
from .trigger import BatchOutcome


def _say(text: str = "") -> None:
    print(text, flush=True)


# --- demo -------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(args.stack or "dev", parse_overrides(args.config))


# --- serve ------------------------------------------------------------------------------


EXAMPLE_ORDER = {
    "orderId": "O2001",
    "userId": "U7",
    "itemName": "Desk",
    "quantity": 2,
    "status": "new",
    "timestamp": "2025-05-04T09:30:00Z",
}


def _serve_examples(state: ServeState) -> str:
    """What to type next; every line works after the README's set-up (venv activated)."""
    o, e, r = state.outputs, state.endpoint, state.region
    order = json.dumps(EXAMPLE_ORDER, ensure_ascii=False)
    stack_flag = "" if state.stack == "dev" else f" --stack {state.stack}"
    return f"""
Endpoint  {e}   (region {r}; any access key works, e.g. {ACCESS_KEY}/{SECRET_KEY})
  topic        {o["topicArn"]}
  queue        {o["queueUrl"]}
  DLQ          {o["deadLetterQueueUrl"]}
  table        {o["tableName"]}
  function     {o["functionName"]}

From another terminal (in this repository, after `. .venv/bin/activate`):
  order-pipeline --local{stack_flag} publish '{order}'
  order-pipeline --local{stack_flag} status
  order-pipeline --local{stack_flag} orders
  order-pipeline --local{stack_flag} smoke
  order-pipeline --local{stack_flag} dlq list

AWS CLI:
  export AWS_ACCESS_KEY_ID={ACCESS_KEY} AWS_SECRET_ACCESS_KEY={SECRET_KEY} AWS_DEFAULT_REGION={r}
  aws --endpoint-url {e} sns publish --topic-arn {o["topicArn"]} --message '{order}'
  aws --endpoint-url {e} dynamodb scan --table-name {o["tableName"]}
  aws --endpoint-url {e} sqs get-queue-attributes --attribute-names All \\
      --queue-url {o["deadLetterQueueUrl"]}

boto3 (python):
{_boto3_example(state)}
"""


def _boto3_example(state: ServeState) -> str:
    order = {**EXAMPLE_ORDER, "orderId": "O2002"}
    return f"""\
import json, boto3
kw = dict(endpoint_url="{state.endpoint}", region_name="{state.region}",
          aws_access_key_id="{ACCESS_KEY}", aws_secret_access_key="{SECRET_KEY}")
boto3.client("sns", **kw).publish(TopicArn="{state.outputs["topicArn"]}",
                                  Message=json.dumps({order!r}))
print(boto3.client("dynamodb", **kw).scan(TableName="{state.outputs["tableName"]}")["Items"])"""


def _compact_log(name: str, line: str) -> None:
    text = log_text(line)
    if text is not None:
        _say(f"    [{name}] {text[:200]}")


def _print_batch(outcome: BatchOutcome) -> None:
    _say(
        f"{time.strftime('%H:%M:%S')} invoke: {len(outcome.records)} record(s), "
        f"receive counts {receive_counts(outcome)} -> {batch_result(outcome)} "
        f"{invocation_summary(outcome.invocation)}"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    stack = args.stack or "dev"
    config = load_stack_config(stack, parse_overrides(args.config))
    quiet = args.quiet
    cloud = LocalCloud(
        config,
        port=args.port,
        log_sink=None if quiet else _compact_log,
        observers=[] if quiet else [_print_batch],
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    _say(f"localcloud serve - deploying stack {stack!r} into an in-process AWS emulator (moto) ...")
    with cloud:
        assert cloud.deployment is not None
        cloud.start_triggers()
        state = ServeState(
            stack=stack,
            endpoint=cloud.emulator.endpoint,
            region=cloud.emulator.region,
            pid=os.getpid(),
            outputs=cloud.outputs,
            settings=cloud.settings,
        )
        path = state.write()
        try:
            _say(f"Deployed {len(cloud.deployment.created)} resources. Not emulated:")
            for type_token, reason in cloud.deployment.not_emulated:
                _say(f"  - {type_token}: {reason}")
            spec, s = cloud.trigger.spec, cloud.settings
            _say(
                f"Trigger running locally: batch size {spec.batch_size}, "
                f"window {spec.batching_window_seconds} s, "
                f"{cloud.trigger.concurrency} concurrent invocations; function timeout "
                f"{s['functionTimeoutSeconds']} s, "
                f"visibility timeout {s['visibilityTimeoutSeconds']} s, "
                f"maxReceiveCount {s['maxReceiveCount']}."
            )
            _say(_serve_examples(state))
            _say(f"State file: {path}. Press Ctrl-C to stop.")
            while not stop.wait(0.5):
                pass
            _say("stopping ...")
        finally:
            path.unlink(missing_ok=True)
    return 0


# --- entry ------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m localcloud",
        description="Run the order pipeline locally: the real Pulumi program deployed into an "
        "in-process AWS emulator (moto), with the function's SQS trigger run locally.",
    )
    commands = root.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str, config: bool = True) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "--stack",
            default=None,
            help="stack name (Pulumi.<stack>.yaml); default dev"
            if config
            else "stack of the running serve; default: the only one running",
        )
        if config:
            command.add_argument(
                "-c",
                "--config",
                action="append",
                default=[],
                metavar="KEY=VALUE",
                help="override a stack config value, like `pulumi config set` (repeatable)",
            )
        return command

    add(
        "demo",
        "deploy, publish the seed order and a scripted scenario, check the outcome; "
        "exit 0 only if every expectation holds",
    )
    serve = add("serve", "deploy and keep the pipeline running for any AWS client until Ctrl-C")
    serve.add_argument(
        "--port", type=int, default=0, help="emulator port on 127.0.0.1 (default: a free one)"
    )
    serve.add_argument(
        "--quiet", action="store_true", help="do not print invocations and function logs"
    )
    return root


COMMANDS = {
    "demo": cmd_demo,
    "serve": cmd_serve,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (StackConfigError, FileNotFoundError) as error:
        print(f"localcloud: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # e.g. SettingsError: the component rejected a value
        print(f"localcloud: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
