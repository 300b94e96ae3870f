"""Stack configuration as the Pulumi CLI would hand it to the program.

Reads the project's config schema (defaults) from Pulumi.yaml, overlays
Pulumi.<stack>.yaml and any `key=value` overrides, and checks each value
against the declared type, so a typo or a wrong type fails here as it would
under `pulumi preview`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class StackConfigError(ValueError):
    pass


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    # Fully qualified keys ("order-pipeline:batchSize", "aws:region") -> typed values.
    values: dict[str, Any]

    def project_values(self) -> dict[str, Any]:
        """The project's own keys, unqualified ("batchSize" -> 5)."""
        prefix = f"{self.project}:"
        return {k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix)}

    def as_pulumi_config(self) -> dict[str, str]:
        """The string form the Pulumi engine passes to a program (JSON for non-strings)."""
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.values.items()}


def _load_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise StackConfigError(f"{path} does not exist")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise StackConfigError(f"{path} is not a YAML mapping")
    return data


def _check_type(key: str, value: Any, declared: str) -> Any:
    ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "string": isinstance(value, str),
    }.get(declared)
    if ok is None:
        raise StackConfigError(f"{key}: unsupported declared type {declared!r}")
    if not ok:
        raise StackConfigError(f"{key} = {value!r}: must be of type {declared}")
    return value


def parse_override(text: str) -> tuple[str, Any]:
    """`key=value` as given to `-c`; the value is read as YAML (so 30 -> int, true -> bool)."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise StackConfigError(f"override {text!r} is not key=value")
    return key.strip(), yaml.safe_load(raw) if raw.strip() else ""


def load_stack_config(
    stack: str,
    overrides: dict[str, Any] | None = None,
    project_dir: Path = PROJECT_ROOT,
) -> StackConfig:
    project = _load_yaml(project_dir / "Pulumi.yaml")
    name = project["name"]
    schema: dict[str, dict[str, Any]] = project.get("config") or {}
    stack_file = _load_yaml(project_dir / f"Pulumi.{stack}.yaml").get("config") or {}

    def qualify(key: str) -> str:
        return key if ":" in key else f"{name}:{key}"

    values: dict[str, Any] = {
        qualify(k): spec["default"] for k, spec in schema.items() if "default" in spec
    }
    for key, value in [*stack_file.items(), *(overrides or {}).items()]:
        full = qualify(key)
        namespace, _, short = full.partition(":")
        if namespace == name:
            if short not in schema:
                raise StackConfigError(
                    f"{full}: not declared in Pulumi.yaml (known: {sorted(schema)})"
                )
            value = _check_type(full, value, schema[short]["type"])
        values[full] = value
    return StackConfig(project=name, stack=stack, values=values)
