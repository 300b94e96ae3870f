"""Time per batch of the real handler against a stand-in DynamoDB, and its import time.

    python benchmarks/handler_batch.py [--latency-ms 10] [--runs 7] [--import-runs 11]

The stand-in is a small HTTP server in its own process that answers every request with
an empty PutItem result (`{}`, so every order is "stored") after a set latency. The
handler reaches it through AWS_ENDPOINT_URL_DYNAMODB with its own client settings, so
the waiting is real network waiting, and overlaps as it would against DynamoDB. (moto
in-process would not do: its own CPU per call serializes under the GIL.)

For batches of 1, 10, 50 and 100 distinct orders it prints the median time per batch,
its ratio to one write (the batch of 1), and the CPU floor: batch size x the CPU time
the client spends per PutItem call, measured with one call at a time against the same
stand-in. The target is a batch of 100 within 1.5 x its floor. For context it also
prints the CPU the batch itself used (wall time near it means the waits overlap
completely) and the client's CPU per call in a hot loop against a stand-in that answers
at once, a lower bound that no real invocation reaches. Then the median time to import
the handler against `import boto3`, each in fresh interpreters (target: at most 1.1 x).
Not part of the test suite; the figures describe this machine, not AWS.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZES = (1, 10, 50, 100)
FUNCTION_TIMEOUT_MS = 30_000  # prod's functionTimeoutSeconds
CPU_CALLS = 300


# --- the stand-in DynamoDB (runs in its own process) --------------------------------------


def serve(latency_seconds: float) -> None:
    class StandIn(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as DynamoDB's endpoint
        disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stall

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(latency_seconds)
            body = b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    ThreadingHTTPServer.request_queue_size = 256
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start_stand_in(latency_ms: float) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


# --- the handler's side ----------------------------------------------------------------


class Context:
    """A Lambda context whose remaining time counts down from the function's timeout."""

    def __init__(self, timeout_ms: int) -> None:
        self.deadline = time.monotonic() + timeout_ms / 1000
        self.function_name = "order-pipeline-benchmark"

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def event(size: int, run: int) -> dict[str, Any]:
    def body(number: int) -> str:
        return json.dumps(
            {
                "orderId": f"B{run:03d}-{number:04d}",
                "userId": "U1",
                "itemName": "Benchmark item",
                "quantity": 1,
                "status": "new",
                "timestamp": "2025-05-03T12:00:00Z",
            }
        )

    return {"Records": [{"messageId": f"m{run}-{n}", "body": body(n)} for n in range(size)]}


def use_stand_in(port: int) -> None:
    os.environ.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "benchmark",
            "AWS_SECRET_ACCESS_KEY": "benchmark",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_LAMBDA_FUNCTION_NAME": "order-pipeline-benchmark",
            "TABLE_NAME": "orders",
            "RAW_MESSAGE_DELIVERY": "true",
        }
    )
    # Log lines are formatted and written as on Lambda (at INFO), just not kept.
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)


def time_batches(runs: int) -> dict[int, tuple[float, float]]:
    """Batch size -> median (wall seconds, CPU seconds of this process) per batch."""
    from handler import index

    medians = {}
    run = 0
    for size in BATCH_SIZES:
        walls, cpus = [], []
        for _ in range(runs + 1):  # the first run of each size warms up
            run += 1
            batch = event(size, run)
            started, cpu_started = time.perf_counter(), time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):  # the metrics line
                response = index.lambda_handler(batch, Context(FUNCTION_TIMEOUT_MS))
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu_started)
            assert response == {"batchItemFailures": []}, response
        medians[size] = (statistics.median(walls[1:]), statistics.median(cpus[1:]))
    return medians


def cpu_per_call() -> float:
    """CPU seconds this process spends per PutItem call through the handler's client."""
    from handler import index
    from handler.message import order_from_body
    from handler.store import put_request

    client = index.dynamodb_client()
    request = put_request("orders", order_from_body(event(1, 0)["Records"][0]["body"], True))
    client.put_item(**request)
    started = time.process_time()
    for _ in range(CPU_CALLS):
        client.put_item(**request)
    return (time.process_time() - started) / CPU_CALLS


# --- import time ---------------------------------------------------------------------------


def import_seconds(statement: str) -> float:
    code = (
        f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); t = time.perf_counter(); "
        f"{statement}; print(time.perf_counter() - t)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(output.stdout)


def time_imports(runs: int) -> tuple[float, float]:
    boto3_times, handler_times = [], []
    for _ in range(runs):  # alternated, so drifting machine load hits both alike
        boto3_times.append(import_seconds("import boto3"))
        handler_times.append(import_seconds("import handler.index"))
    return statistics.median(boto3_times), statistics.median(handler_times)


def main() -> int:
    arguments = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    arguments.add_argument("--latency-ms", type=float, default=10.0)
    arguments.add_argument("--runs", type=int, default=7, help="timed runs per batch size")
    arguments.add_argument("--import-runs", type=int, default=11)
    arguments.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = arguments.parse_args()
    if args.serve:
        serve(args.latency_ms / 1000)
        return 0

    sys.path.insert(0, str(ROOT))
    from handler import index
    from handler.batch import PARALLELISM

    process, port = start_stand_in(0)
    try:
        use_stand_in(port)
        hot_cpu = cpu_per_call()
    finally:
        process.terminate()
        process.wait()
    index.reset_client()
    process, port = start_stand_in(args.latency_ms)
    try:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{port}"
        cpu = cpu_per_call()
        index.reset_client()  # the handler sizes its own client at its first invocation
        medians = time_batches(args.runs)
    finally:
        process.terminate()
        process.wait()

    print(
        f"stand-in DynamoDB: {args.latency_ms:g} ms per request, own process; "
        f"handler parallelism {PARALLELISM}; {os.cpu_count()} CPUs; "
        f"median of {args.runs} runs"
    )
    print(
        f"client CPU per PutItem call, one call at a time: {cpu * 1000:.2f} ms"
        f" ({CPU_CALLS} calls; in a hot loop against a stand-in answering at once:"
        f" {hot_cpu * 1000:.2f} ms)"
    )
    header = ("batch", "time/batch", "x one write", "CPU floor", "x floor", "CPU used", "x used")
    print("{:>5}  {:>10}  {:>11}  {:>9}  {:>7}  {:>8}  {:>6}".format(*header))
    one_write = medians[1][0]
    for size, (wall, used) in medians.items():
        floor = size * cpu
        print(
            f"{size:>5}  {wall * 1000:>7.1f} ms  {wall / one_write:>11.1f}"
            f"  {floor * 1000:>6.1f} ms  {wall / floor:>7.2f}"
            f"  {used * 1000:>5.1f} ms  {wall / used:>6.2f}"
        )
    ratio = medians[100][0] / (100 * cpu)
    verdict = "met" if ratio <= 1.5 else "NOT met"
    print(
        f"target: batch of 100 within 1.5 x its CPU floor: {ratio:.2f} ({verdict});"
        f" against the hot-loop floor: {medians[100][0] / (100 * hot_cpu):.2f}"
    )

    boto3_time, handler_time = time_imports(args.import_runs)
    import_ratio = handler_time / boto3_time
    verdict = "met" if import_ratio <= 1.1 else "NOT met"
    print(
        f"import (fresh interpreters, median of {args.import_runs}):"
        f" boto3 {boto3_time * 1000:.0f} ms, handler {handler_time * 1000:.0f} ms,"
        f" ratio {import_ratio:.2f} (target at most 1.1: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
