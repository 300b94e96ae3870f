"""Read PipelineSettings from a Pulumi config namespace (a stack file's keys)."""

from __future__ import annotations

import dataclasses

import pulumi

from .settings import CONFIG_KEYS, PipelineSettings, settings_from_config


def read_settings(config: pulumi.Config) -> PipelineSettings:
    """Typed read of every known key; keys left unset keep the component defaults.

    `pulumi.Config` raises ConfigTypeError (naming the key) when a value has the wrong type.
    """
    types = {f.name: f.type for f in dataclasses.fields(PipelineSettings)}
    values: dict[str, int | bool | str] = {}
    for field_name, key in CONFIG_KEYS.items():
        value: int | bool | str | None
        if types[field_name] == "int":
            value = config.get_int(key)
        elif types[field_name] == "bool":
            value = config.get_bool(key)
        else:
            value = config.get(key)
        if value is not None:
            values[key] = value
    return settings_from_config(values)
