"""The README's config table must say what Pulumi.yaml and the stack files say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return '""' if value == "" else str(value)


def test_config_table_matches_project_and_stack_files() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    stacks = {
        name: yaml.safe_load((ROOT / f"Pulumi.{name}.yaml").read_text())["config"]
        for name in ("dev", "prod")
    }
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (
            len(cells) == 6
            and cells[0].startswith("`")
            and cells[1] in {"integer", "string", "boolean"}
        ):
            rows[cells[0].strip("`")] = cells
    assert set(rows) == set(project["config"])
    for key, spec in project["config"].items():
        _, type_, default, dev, prod, _ = rows[key]
        assert (type_, default) == (spec["type"], _cell(spec["default"])), key
        for stack, cell in (("dev", dev), ("prod", prod)):
            value = stacks[stack].get(f"{project['name']}:{key}")
            assert cell == ("·" if value is None else _cell(value)), (key, stack)
