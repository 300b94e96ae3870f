"""The README's config table must say what PipelineSettings and the stack files say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from order_pipeline.settings import SETTINGS
from order_pipeline.stack_config import PROJECT_CONFIG_TYPES

ROOT = Path(__file__).resolve().parent.parent
# The type column: Pulumi.yaml's config types, and `object` for a map (tags).
TYPE_NAMES = {*PROJECT_CONFIG_TYPES.values(), "object"}


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    return '""' if value == "" else str(value)


def test_config_table_matches_the_settings_class_and_stack_files() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    stacks = {
        name: yaml.safe_load((ROOT / f"Pulumi.{name}.yaml").read_text())["config"]
        for name in ("dev", "prod")
    }
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`") and cells[1] in TYPE_NAMES:
            rows[cells[0].strip("`")] = cells
    assert set(rows) == {setting.key for setting in SETTINGS}
    for setting in SETTINGS:
        _, type_, default, dev, prod, _ = rows[setting.key]
        expected_type = PROJECT_CONFIG_TYPES.get(setting.type, "object")
        assert (type_, default) == (expected_type, _cell(setting.default)), setting.key
        for stack, cell in (("dev", dev), ("prod", prod)):
            value = stacks[stack].get(f"{project['name']}:{setting.key}")
            assert cell == ("·" if value is None else _cell(value)), (setting.key, stack)


# What a shell line in the README may start with: the set-up's own tools (on PATH once
# `.venv/bin/activate` ran), the Pulumi and AWS CLIs the deploy section asks for, and shell.
SET_UP_TOOLS = {"make", "python", "pytest", "uv", "order-pipeline", "ruff", "mypy", "zizmor"}
USER_TOOLS = {"pulumi", "aws", "git", "cd", "export", "cat", "curl", "npm", "."}


def _shell_lines(text: str) -> list[str]:
    lines, in_shell = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_shell = line.strip() in {"```bash", "```sh", "```shell", "```console"}
            continue
        if in_shell and line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    return lines


def test_every_readme_command_runs_after_the_readme_set_up() -> None:
    text = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    phony = next(line for line in makefile.splitlines() if line.startswith(".PHONY:"))
    targets = set(phony.split(":", 1)[1].split())
    lines = _shell_lines(text)
    assert lines, "the README shows no shell commands"
    for line in lines:
        if line.endswith("\\") or line.startswith(("-", "--")):
            continue  # continuation of the previous line
        first = line.split()[0]
        assert "uv run" not in line, line
        assert first in SET_UP_TOOLS | USER_TOOLS, f"README line needs {first!r}: {line}"
        if first == "make":
            for word in line.split()[1:]:
                if word.startswith("#") or word in {"&&", ";"}:
                    break
                if "=" not in word:
                    assert word in targets, f"no make target {word!r}: {line}"
