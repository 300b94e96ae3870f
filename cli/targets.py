"""Which deployed pipeline a command talks to: its stack outputs and how to reach it.

--local        the running local cloud (its emulator endpoint, region and keys)
--stack NAME   `pulumi stack output --json --stack NAME`, credentials from the AWS chain
--outputs FILE that JSON saved to a file (for CI), credentials from the AWS chain
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .local_state import find_local_cloud

# The stack outputs every command may need (OrderPipeline.outputs()).
REQUIRED_OUTPUTS = (
    "topicArn",
    "queueUrl",
    "queueArn",
    "deadLetterQueueUrl",
    "deadLetterQueueArn",
    "tableName",
    "tableArn",
    "functionName",
    "functionArn",
    "alarmTopicArn",
)


@dataclass(frozen=True)
class Target:
    outputs: dict[str, Any]
    description: str
    endpoint_url: str | None = None  # None: AWS itself
    access_key_id: str | None = None
    secret_access_key: str | None = None

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    @property
    def region(self) -> str:
        """The stack's region, read from its topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)."""
        return str(self.outputs["topicArn"]).split(":")[3]

    def optional(self, key: str) -> str | None:
        value = self.outputs.get(key)
        return str(value) if value else None

    def __getitem__(self, key: str) -> str:
        return str(self.outputs[key])


def checked_outputs(outputs: Any, source: str) -> dict[str, Any]:
    if not isinstance(outputs, dict):
        raise ConfigurationError(f"{source} is not a JSON object of stack outputs.")
    missing = [key for key in REQUIRED_OUTPUTS if not outputs.get(key)]
    if missing:
        raise ConfigurationError(
            f"{source} lacks the outputs {', '.join(missing)}: point at a stack deployed"
            " with the OrderPipeline component."
        )
    topic = str(outputs["topicArn"]).split(":")
    if len(topic) < 6 or not topic[3]:
        raise ConfigurationError(f"{source}: topicArn {outputs['topicArn']!r} is not an ARN.")
    return outputs


def stack_outputs(stack: str) -> dict[str, Any]:
    pulumi = shutil.which("pulumi")
    command = f"pulumi stack output --json --stack {stack}"
    if pulumi is None:
        raise ConfigurationError(
            "there is no `pulumi` executable on PATH: install the Pulumi CLI, or save the"
            f" outputs elsewhere with `{command} > outputs.json` and pass --outputs outputs.json."
        )
    result = subprocess.run(
        [pulumi, "stack", "output", "--json", "--stack", stack],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigurationError(f"`{command}` failed ({said}): check the stack name and login.")
    try:
        return checked_outputs(json.loads(result.stdout), f"`{command}`")
    except ValueError as error:
        raise ConfigurationError(f"`{command}` did not print JSON ({error}).") from error


def file_outputs(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigurationError(f"cannot read --outputs {path}: {error.strerror}.") from error
    try:
        return checked_outputs(json.loads(text), f"--outputs {path}")
    except ValueError as error:
        raise ConfigurationError(f"--outputs {path} is not JSON ({error}).") from error


def resolve(local: bool, stack: str | None, outputs_file: Path | None) -> Target:
    """The target the global options name; exactly one of them (--local may take --stack)."""
    if outputs_file is not None and (local or stack):
        raise ConfigurationError("--outputs cannot be combined with --local or --stack.")
    if local:
        state = find_local_cloud(stack)
        return Target(
            outputs=checked_outputs(state["outputs"], "the local cloud's state file"),
            description=f"local cloud, stack {state['stack']} at {state['endpoint']}",
            endpoint_url=str(state["endpoint"]),
            access_key_id=str(state.get("access_key_id") or "localcloud"),
            secret_access_key=str(state.get("secret_access_key") or "localcloud"),
        )
    if stack:
        return Target(outputs=stack_outputs(stack), description=f"stack {stack}")
    if outputs_file is not None:
        return Target(outputs=file_outputs(outputs_file), description=f"outputs {outputs_file}")
    raise ConfigurationError(
        "choose the pipeline to operate: --local, --stack NAME or --outputs FILE"
        " before the command."
    )
