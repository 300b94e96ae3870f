"""The command line, as a user runs it: `python -m localcloud ...` and `order-pipeline --local`
in subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from cli.conftest import run_script

from harness.orders import SEED
from harness.stack_files import PROJECT_ROOT

from .conftest import wait_for


def _run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localcloud", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_demo_exits_zero() -> None:
    started = time.monotonic()
    result = _run("demo", timeout=180)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "expectations hold" in result.stdout
    assert "FAIL" not in result.stdout
    assert "receive 2/3" in result.stdout  # progress while waiting for retries
    print(f"demo wall time {time.monotonic() - started:.1f} s")


def test_a_bad_override_exits_non_zero_with_a_message() -> None:
    result = _run("demo", "-c", "visibilityTimeoutSeconds=1", "-c", "functionTimeoutSeconds=5")
    assert result.returncode == 2
    assert (
        "visibilityTimeoutSeconds" in result.stderr
        and "6 x functionTimeoutSeconds" in result.stderr
    )


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    env = {**os.environ, "LOCALCLOUD_STATE_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "localcloud",
            "serve",
            "-c",
            "functionTimeoutSeconds=1",
            "-c",
            "visibilityTimeoutSeconds=6",
            "-c",
            "maxReceiveCount=1",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    state = tmp_path / "serve-dev.json"
    try:
        wait_for(
            lambda: state.is_file() or process.poll() is not None,
            60,
            "serve to write its state file",
        )
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        yield env, state
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output[-3000:]
        assert not state.exists()  # removed on the way out
        assert "--endpoint-url" in output and "boto3" in output


def test_serve_answers_any_client_and_the_operator_command(
    serve: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, state_file = serve
    state = json.loads(state_file.read_text())
    assert state["endpoint"].startswith("http://127.0.0.1:")

    # `order-pipeline --local` finds this serve through the state file it wrote.
    order_file = tmp_path / "order.json"
    order_file.write_text(json.dumps({**SEED, "orderId": "O-FILE"}))
    published = run_script("--local", "publish", json.dumps(SEED), f"@{order_file}", env=env)
    assert published.returncode == 0, published.stderr
    assert published.stdout.count("published orderId") == 2

    # A plain boto3 client, as the printed example shows.
    kw = dict(
        endpoint_url=state["endpoint"],
        region_name=state["region"],
        aws_access_key_id="anything",
        aws_secret_access_key="anything",
    )
    sns = boto3.client("sns", **kw)
    sns.publish(
        TopicArn=state["outputs"]["topicArn"], Message=json.dumps({**SEED, "orderId": "O-BOTO3"})
    )
    sns.publish(TopicArn=state["outputs"]["topicArn"], Message="not an order")
    dynamodb = boto3.client("dynamodb", **kw)

    def stored() -> set[str]:
        items = dynamodb.scan(TableName=state["outputs"]["tableName"])["Items"]
        return {i["orderId"]["S"] for i in items}

    wait_for(lambda: stored() == {"O1234", "O-FILE", "O-BOTO3"}, 20, "three orders in the table")
    orders = run_script("--local", "orders", env=env)
    assert orders.returncode == 0 and "3 item(s)" in orders.stdout and "O-BOTO3" in orders.stdout

    def dead_letters() -> list[dict[str, object]]:
        listing = run_script("--local", "dlq", "list", "--json", env=env)
        assert listing.returncode == 0, listing.stderr
        return list(json.loads(listing.stdout))

    (row,) = wait_for(dead_letters, 20, "the non-order in the DLQ (maxReceiveCount=1)")
    assert row["verdict"] == "rejected" and "not valid JSON" in str(row["reason"])


def test_the_operator_command_without_a_running_serve_says_so(tmp_path: Path) -> None:
    result = run_script("--local", "orders", env={"LOCALCLOUD_STATE_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "no local cloud is running" in result.stderr
    assert "python -m localcloud serve" in result.stderr
