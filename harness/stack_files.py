"""Stack configuration as the Pulumi CLI would hand it to the program.

Reads the project's config schema (defaults) from Pulumi.yaml, overlays
Pulumi.<stack>.yaml and any `key=value` overrides, and checks each value
against the declared type, so a typo or a wrong type fails here as it would
under `pulumi preview`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.loaders
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


def _check_type(key: str, value: Any, declared: str | None) -> Any:
    if declared is None:
        return value  # declared without a type (an object such as tags): the program checks it
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


# `pulumi config set` stores text, which the program reads with pulumi.Config's typed getters:
# get_bool takes true/True/false/False only; get_int takes decimal digits with an optional
# sign (the spellings Python's int() and Go's base-10 parse agree on). YAML-style spellings
# (yes, on, 0x10, 1e3, 1_000) are refused here as they would be there.
_DECIMAL = re.compile(r"[+-]?[0-9]+")
_BOOLEANS = {"true": True, "True": True, "false": False, "False": False}
# The only key outside the project's namespace the local cloud reads.
REGION_KEY = "aws:region"


def parse_override(text: str) -> tuple[str, str]:
    """`key=value` as given to `-c`; the value stays text until its key's type is known."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise StackConfigError(f"override {text!r} is not key=value")
    return key.strip(), value


def typed_override(key: str, text: str, declared: str) -> Any:
    """An override's text as the declared type, by the rules Pulumi's typed reads apply."""
    if declared == "integer":
        if not _DECIMAL.fullmatch(text):
            raise StackConfigError(
                f"-c {key}={text}: {key} is an integer; write it in decimal digits, e.g. 30"
            )
        return int(text)
    if declared == "boolean":
        if text not in _BOOLEANS:
            raise StackConfigError(f"-c {key}={text}: {key} is a boolean; write true or false")
        return _BOOLEANS[text]
    return text


def _object_override(key: str, text: str) -> Any:
    """A key declared without a type holds an object: JSON text, as `pulumi config set` and
    pulumi.Config.get_object read it."""
    try:
        return json.loads(text)
    except ValueError:
        raise StackConfigError(
            f'-c {key}={text}: {key} takes a JSON object, e.g. -c {key}=\'{{"team": "shop"}}\', '
            f"or one member by path, e.g. -c {key}.team=shop"
        ) from None


def parse_overrides(pairs: list[str], project_dir: Path = PROJECT_ROOT) -> dict[str, Any]:
    """`-c key=value` arguments -> {key: typed value}, typed by Pulumi.yaml's declarations.

    `key.member=value` sets one member of an object-valued key, like `pulumi config set --path`.
    """
    project = _load_yaml(project_dir / "Pulumi.yaml")
    schema: dict[str, dict[str, Any]] = project.get("config") or {}
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, text = parse_override(pair)
        namespace, _, short = key.rpartition(":")
        root, dot, member = short.partition(".")
        if namespace not in ("", project["name"]) or root not in schema:
            if key != REGION_KEY:
                raise StackConfigError(
                    f"-c {key}: not a key this project reads; use one declared in Pulumi.yaml "
                    f"({', '.join(sorted(schema))}) or {REGION_KEY}"
                )
            overrides[key] = text
            continue
        declared = schema[root].get("type")
        if dot and (declared is not None or not member):
            raise StackConfigError(f"-c {key}: only an object-valued key takes a .member path")
        if dot:
            whole = key[: len(key) - len(member) - 1]
            members = overrides.setdefault(whole, {})
            if not isinstance(members, dict):
                raise StackConfigError(f"-c {key}: {whole} was already set to a non-object")
            members[member] = text
        elif declared is None:
            overrides[key] = _object_override(key, text)
        else:
            overrides[key] = typed_override(key, text, declared)
    return overrides


def check_region(region: Any) -> str:
    """An AWS region name as botocore knows them (us-east-1, eu-west-2, cn-north-1, ...)."""
    partitions = botocore.loaders.Loader().load_data("endpoints")["partitions"]
    if isinstance(region, str) and any(
        re.fullmatch(partition["regionRegex"].strip("^$"), region) for partition in partitions
    ):
        return region
    raise StackConfigError(
        f"{REGION_KEY} = {region!r} is not an AWS region name (like us-east-1 or eu-west-1); "
        "fix it in the stack file or the -c override"
    )


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
            value = _check_type(full, value, schema[short].get("type"))
        values[full] = value
    if REGION_KEY in values:
        check_region(values[REGION_KEY])
    return StackConfig(project=name, stack=stack, values=values)
