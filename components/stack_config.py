"""Read PipelineSettings from a Pulumi config namespace (a stack file's keys).

Each key is read with the typed getter that its type hint in PipelineSettings calls
for, so nothing here names a setting.
"""

from typing import Any

import pulumi

from .pulumi_internals import config_keys_set
from .settings import SETTINGS, PipelineSettings, Setting, SettingsError, settings_from_config


def _keys_set_in(namespace: str) -> set[str]:
    # Pulumi does not reject stack keys missing from Pulumi.yaml, and a typo such as
    # `maxRecieveCount` would otherwise leave the default in force without a word.
    prefix = f"{namespace}:"
    return {key[len(prefix) :] for key in config_keys_set() if key.startswith(prefix)}


def _read(config: pulumi.Config, setting: Setting) -> Any:
    """The value as typed by `pulumi.Config`, which names the key on a type error."""
    if setting.type is int:
        return config.get_int(setting.key)
    if setting.type is bool:
        return config.get_bool(setting.key)
    if setting.type is str:
        return config.get(setting.key)
    # Maps (tags): stored as YAML objects, e.g. by `pulumi config set --path tags.team x`.
    return config.get_object(setting.key)


def read_settings(config: pulumi.Config) -> PipelineSettings:
    """Typed read of every known key; keys left unset keep the component defaults.

    `pulumi.Config` raises ConfigTypeError (naming the key) when a value has the wrong type;
    a key in the namespace that no setting reads is a SettingsError.
    """
    known = sorted(setting.key for setting in SETTINGS)
    unknown = sorted(_keys_set_in(config.name) - set(known))
    if unknown:
        raise SettingsError(
            f"unknown config key(s) {[f'{config.name}:{key}' for key in unknown]}; "
            f"known keys: {known}"
        )
    values = {setting.key: _read(config, setting) for setting in SETTINGS}
    return settings_from_config({key: value for key, value in values.items() if value is not None})


# Pulumi.yaml's config types (project.json's simpleConfigType). There is no `object`: a
# map setting (tags) is declared with its description only -- no type, no default --
# and its default is the component's own (no tags).
PROJECT_CONFIG_TYPES = {int: "integer", bool: "boolean", str: "string"}


def project_config_declaration(setting: Setting) -> dict[str, Any]:
    """What Pulumi.yaml's `config:` block must say about one setting."""
    declared_type = PROJECT_CONFIG_TYPES.get(setting.type)
    if declared_type is None:
        return {"description": setting.description}
    return {"type": declared_type, "description": setting.description, "default": setting.default}


def project_config_block() -> dict[str, dict[str, Any]]:
    """Pulumi.yaml's whole `config:` block, as PipelineSettings defines it."""
    return {setting.key: project_config_declaration(setting) for setting in SETTINGS}
