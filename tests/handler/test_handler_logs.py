"""At Lambda's application log level INFO, only the handler's own lines appear.

Run in fresh interpreters, as a new execution environment starts: the root logger at INFO
(as Lambda configures it), then a DynamoDB client with credentials from the environment,
which botocore announces at INFO.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS_LINE = "Found credentials in environment variables."

SCRIPT = """
import logging, sys
logging.basicConfig(
    level=logging.INFO, stream=sys.stdout, format="%(name)s %(levelname)s %(message)s"
)
sys.path.insert(0, sys.argv[2])
if sys.argv[1] == "handler":
    from handler import index, log
    index.dynamodb_client()
    log.log_outcome("stored", "m1", "O1", "new order")
else:
    import boto3
    boto3.client("dynamodb")
"""


def run(what: str) -> str:
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("AWS_")},
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, what, str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    return result.stdout + result.stderr


def test_botocore_info_lines_are_quiet_and_the_handlers_own_lines_are_not() -> None:
    assert CREDENTIALS_LINE in run("boto3 alone")  # what the handler has to quiet
    output = run("handler")
    assert CREDENTIALS_LINE not in output
    assert "order_pipeline.handler INFO stored messageId=m1 orderId=O1: new order" in output
    assert [line for line in output.splitlines() if line.strip()] == [
        "order_pipeline.handler INFO stored messageId=m1 orderId=O1: new order"
    ]
