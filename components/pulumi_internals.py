"""The one place the component touches a private Pulumi API, and why.

`pulumi.Config` can read a key but cannot list the keys a stack sets. The program
needs that list to reject a misspelt key (Pulumi itself does not reject stack keys
that Pulumi.yaml does not declare), so it reads the SDK's config store directly:
`pulumi.runtime.config.CONFIG` (set by the engine, or by `set_all_config` under mocks)
and `get_config_env()` (PULUMI_CONFIG). If a Pulumi release moves these, only this
module changes.
"""

from pulumi.runtime import config as _runtime_config


def config_keys_set() -> set[str]:
    """Every fully qualified config key ("project:key") the running stack sets."""
    return set(_runtime_config.CONFIG.get()) | set(_runtime_config.get_config_env())
