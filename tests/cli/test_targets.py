"""Choosing the target: --stack (a stand-in `pulumi` on PATH, and none), --outputs, --local."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from operator_stubs import outputs_for_aws
from order_pipeline.cli.targets import REQUIRED_OUTPUTS, resolve

from .conftest import run_script


def _stand_in_pulumi(folder: Path, stdout: str, exit_code: int = 0) -> Path:
    """A `pulumi` executable that records its arguments and prints `stdout`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stdout.txt").write_text(stdout)
    script = folder / "pulumi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, pathlib, sys\n"
        "here = pathlib.Path(__file__).parent\n"
        "(here / 'argv.json').write_text(json.dumps(sys.argv[1:]))\n"
        "sys.stdout.write((here / 'stdout.txt').read_text())\n"
        f"sys.stderr.write('error: no stack named dev found\\n' if {exit_code} else '')\n"
        f"sys.exit({exit_code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder


def test_stack_runs_pulumi_stack_output_and_uses_its_outputs(tmp_path: Path) -> None:
    folder = _stand_in_pulumi(tmp_path / "bin", json.dumps(outputs_for_aws()))
    target = _resolve_with_path(folder, stack="prod")
    assert json.loads((folder / "argv.json").read_text()) == [
        "stack",
        "output",
        "--json",
        "--stack",
        "prod",
    ]
    assert target.outputs == outputs_for_aws()
    assert (target.endpoint_url, target.region) == (None, "eu-west-1")


def _resolve_with_path(folder: Path, stack: str) -> object:
    old = os.environ["PATH"]
    os.environ["PATH"] = str(folder)
    try:
        return resolve(False, stack, None)
    finally:
        os.environ["PATH"] = old


def test_stack_without_a_pulumi_executable_exits_2_saying_what_to_do(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_script("--stack", "dev", "status", env={"PATH": str(empty)})
    assert result.returncode == 2
    assert "no `pulumi` executable on PATH" in result.stderr
    assert "--outputs" in result.stderr
    assert result.stdout == ""


def test_a_failing_pulumi_exits_2_with_its_message(tmp_path: Path) -> None:
    folder = _stand_in_pulumi(tmp_path / "bin", "", exit_code=255)
    result = run_script("--stack", "dev", "orders", env={"PATH": str(folder)})
    assert result.returncode == 2
    assert "no stack named dev found" in result.stderr


def test_outputs_missing_a_key_exit_2_naming_it(tmp_path: Path) -> None:
    outputs = {k: v for k, v in outputs_for_aws().items() if k != "queueUrl"}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    result = run_script("--outputs", str(path), "status")
    assert result.returncode == 2
    assert "queueUrl" in result.stderr


def test_no_target_or_two_targets_exit_2(tmp_path: Path) -> None:
    assert "choose the pipeline" in run_script("orders").stderr
    both = run_script("--local", "--outputs", str(tmp_path / "x.json"), "orders")
    assert both.returncode == 2 and "cannot be combined" in both.stderr


def test_required_outputs_are_the_component_outputs() -> None:
    from stacks import deploy

    assert set(REQUIRED_OUTPUTS) <= set(deploy("dev").outputs)
