"""Read PipelineSettings from a Pulumi config namespace (a stack file's keys)."""

from __future__ import annotations

import dataclasses

import pulumi
from pulumi.runtime import config as runtime_config

from .settings import CONFIG_KEYS, PipelineSettings, SettingsError, settings_from_config


def _keys_set_in(namespace: str) -> set[str]:
    # Pulumi does not reject stack keys missing from Pulumi.yaml, and a typo such as
    # `maxRecieveCount` would otherwise leave the default in force without a word.
    prefix = f"{namespace}:"
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    return {key[len(prefix) :] for key in keys if key.startswith(prefix)}


def read_settings(config: pulumi.Config) -> PipelineSettings:
    """Typed read of every known key; keys left unset keep the component defaults.

    `pulumi.Config` raises ConfigTypeError (naming the key) when a value has the wrong type;
    a key in the namespace that no setting reads is a SettingsError.
    """
    unknown = sorted(_keys_set_in(config.name) - set(CONFIG_KEYS.values()))
    if unknown:
        raise SettingsError(
            f"unknown config key(s) {[f'{config.name}:{key}' for key in unknown]}; "
            f"known keys: {sorted(CONFIG_KEYS.values())}"
        )
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
