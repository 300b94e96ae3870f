"""What `serve` prints for the user to type next works as printed."""

from __future__ import annotations

import os
import subprocess
import sys

from localcloud.cli import _boto3_example, _serve_examples

from .conftest import local_cloud, serve_state, wait_for


def test_the_printed_boto3_example_runs_and_stores_its_order() -> None:
    with local_cloud() as (cloud, _recorder):
        cloud.start_triggers()
        state = serve_state(cloud)
        assert _boto3_example(state) in _serve_examples(state)
        # As a user would paste it: a fresh interpreter with no access to this process.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        result = subprocess.run(
            [sys.executable, "-c", _boto3_example(state)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        dynamodb = cloud.emulator.client("dynamodb")
        wait_for(
            lambda: dynamodb.get_item(
                TableName=cloud.outputs["tableName"], Key={"orderId": {"S": "O2002"}}
            ).get("Item"),
            20,
            "the example's order O2002 in the table",
        )


def test_printed_commands_need_only_the_readme_set_up() -> None:
    with local_cloud() as (cloud, _recorder):
        text = _serve_examples(serve_state(cloud, "prod"))
    assert "uv run" not in text
    assert "--stack prod" in text
