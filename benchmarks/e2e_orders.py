"""Throughput of the locally deployed pipeline: N distinct orders through SNS into the table.

    python benchmarks/e2e_orders.py [--orders 1000] [--stack dev] [-c key=value ...]

Deploys the stack into the in-process emulator (moto), starts the local SQS trigger,
publishes the orders with SNS PublishBatch (10 per call) and measures the wall time
from the first publish until every order is in the table. Not part of the test suite;
the figures describe this machine and the emulator, not AWS.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.stack_files import load_stack_config, parse_overrides
from localcloud.cloud import LocalCloud


def order(number: int) -> dict[str, object]:
    return {
        "orderId": f"B{number:06d}",
        "userId": f"U{number % 97}",
        "itemName": "Benchmark item",
        "quantity": 1 + number % 5,
        "status": "new",
        "timestamp": "2025-05-03T12:00:00Z",
    }


def main() -> int:
    arguments = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    arguments.add_argument("--orders", type=int, default=1000)
    arguments.add_argument("--stack", default="dev")
    arguments.add_argument("-c", "--config", action="append", default=[], metavar="KEY=VALUE")
    arguments.add_argument("--timeout", type=float, default=600)
    args = arguments.parse_args()

    config = load_stack_config(args.stack, parse_overrides(args.config))
    with LocalCloud(config) as cloud:
        cloud.start_triggers()
        trigger = cloud.trigger
        sns = cloud.client("sns")
        topic = cloud.outputs["topicArn"]
        print(
            f"stack {args.stack}: batch size {trigger.spec.batch_size}, "
            f"window {trigger.spec.batching_window_seconds} s, "
            f"{trigger.concurrency} concurrent invocations; publishing {args.orders} orders ...",
            flush=True,
        )

        started = time.perf_counter()
        for first in range(0, args.orders, 10):
            entries = [
                {"Id": str(n - first), "Message": json.dumps(order(n))}
                for n in range(first, min(first + 10, args.orders))
            ]
            response = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
            if response.get("Failed"):
                raise SystemExit(f"PublishBatch failed: {response['Failed']}")
        published = time.perf_counter() - started

        deadline = time.monotonic() + args.timeout
        while trigger.stats.deleted < args.orders:
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out: {trigger.stats.deleted}/{args.orders} processed")
            time.sleep(0.02)
        total = time.perf_counter() - started
        cloud.stop_triggers()

        stored = len(cloud.items())
        stats = trigger.stats
        runtime = trigger.runtime
        print(f"orders published      {args.orders} (PublishBatch, {published:.2f} s)")
        print(f"orders in the table   {stored}")
        print(f"total wall time       {total:.2f} s (first publish -> last order stored)")
        print(f"throughput            {args.orders / total:.0f} orders/s")
        print(f"invocations           {stats.batches}")
        print(f"mean batch size       {stats.mean_batch_size:.2f}")
        print(f"failed records        {stats.failed_records}, invocation errors {stats.errors}")
        print(f"cold starts           {runtime.cold_starts} worker process(es)")
        machine = f"Python {platform.python_version()} on {platform.machine()}"
        print(f"machine               {machine}, moto emulator in the same process")
        return 0 if stored == args.orders and stats.failed_records == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
