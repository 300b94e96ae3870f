"""What the command says, and which exit code it gives, when AWS refuses or fails."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import typer
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.stub import Stubber
from order_pipeline.cli.dead_letters import last_logged_reason
from order_pipeline.cli.main import _run
from order_pipeline.cli.output import Output


def _exit_code(raised: BaseException, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    def body(_session: Any) -> int:
        raise raised

    context = SimpleNamespace(obj=SimpleNamespace(out=Output()))
    with pytest.raises(typer.Exit) as stopped:
        _run(context, body)  # type: ignore[arg-type]
    return stopped.value.exit_code, capsys.readouterr().err


def _client_error(code: str, operation: str = "Publish") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"}}, operation)


@pytest.mark.parametrize("code", ["AuthorizationError", "AccessDenied", "AccessDeniedException"])
def test_a_denied_call_is_configuration_and_points_at_the_policy(
    code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, said = _exit_code(_client_error(code), capsys)
    assert exit_code == 2
    assert "Publish was denied" in said and "docs/operator.md" in said


@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch"])
def test_rejected_credentials_are_configuration(
    code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, said = _exit_code(_client_error(code), capsys)
    assert exit_code == 2
    assert "rejected the credentials" in said


def test_another_aws_error_is_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, said = _exit_code(_client_error("InternalError", "ReceiveMessage"), capsys)
    assert exit_code == 1
    assert "ReceiveMessage failed: InternalError" in said


def test_a_timeout_is_one_sentence_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, said = _exit_code(ReadTimeoutError(endpoint_url="https://sqs"), capsys)
    assert exit_code == 1
    assert said.count("\n") == 1 and "an AWS request failed" in said


def test_an_unreachable_log_group_leaves_the_logged_reason_empty() -> None:
    logs = boto3.client(
        "logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(logs) as stub:
        stub.add_client_error("filter_log_events", "AccessDeniedException")
        assert last_logged_reason(logs, "/aws/lambda/orders", "m-1", 0) is None
