"""OrderPipeline as a Pulumi plugin: the component provider that `provider/` hosts.

Pulumi's analyzer infers the schema from `OrderPipeline.__init__(name, args:
PipelineSettings, opts)`, the settings' attribute docstrings and the component's
`pulumi.Output` annotations. Two things it cannot infer, added here from the same
settings source (`SETTINGS`), so there is no second list of settings:

- defaults: the inferred schema has no `default` and puts every non-Optional field in
  `requiredInputs`. `with_defaults` records each setting's default in the schema and
  drops the defaulted inputs from `requiredInputs` (every setting has a default, so a
  consumer may leave any of them out); `map_inputs` lets absent inputs through.
- the inputs' own type: the engine delivers a plain dict whose whole numbers are
  floats; `map_inputs` builds PipelineSettings from it with `settings_from_inputs`, so
  the construct path applies the same defaults, the same validation and the same
  messages as a Python caller gets.
"""

import dataclasses
import importlib.metadata
import json
from typing import Any, cast

from pulumi import Inputs
from pulumi.provider.experimental.analyzer import ComponentDefinition
from pulumi.provider.experimental.component import ComponentProvider

from .pipeline import COMPONENT_TYPE, OrderPipeline
from .settings import SETTINGS, settings_from_inputs

PACKAGE = COMPONENT_TYPE.split(":")[0]
DISTRIBUTION = "order-pipeline"
# A schema default must be a primitive (Pulumi package schema); a map's default (tags:
# none) stays the component's own and is stated in its description.
_SCHEMA_DEFAULT_TYPES = (bool, int, float, str)


def package_version() -> str:
    """The plugin's version: the installed distribution's, so a git tag v<version> matches."""
    return importlib.metadata.version(DISTRIBUTION)


def with_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """The analyzer's schema, plus each setting's default; defaulted inputs not required."""
    resource = schema["resources"][COMPONENT_TYPE]
    for setting in SETTINGS:
        if isinstance(setting.default, _SCHEMA_DEFAULT_TYPES):
            resource["inputProperties"][setting.key]["default"] = setting.default
    defaulted = {setting.key for setting in SETTINGS}
    required = [key for key in resource.get("requiredInputs", []) if key not in defaulted]
    if required:
        resource["requiredInputs"] = required
    else:
        resource.pop("requiredInputs", None)
    return schema


class OrderPipelineProvider(ComponentProvider):
    def __init__(self, version: str | None = None) -> None:
        super().__init__([OrderPipeline], PACKAGE, None, version or package_version())
        assert self.schema is not None
        self.schema = json.dumps(with_defaults(json.loads(self.schema)))

    def map_inputs(self, inputs: Inputs, component_def: ComponentDefinition) -> Inputs:
        # Every setting has a default, so none is required on the wire.
        optional = {
            name: dataclasses.replace(prop, optional=True)
            for name, prop in component_def.inputs.items()
        }
        mapped = super().map_inputs(inputs, dataclasses.replace(component_def, inputs=optional))
        # ComponentProvider.construct passes this straight to OrderPipeline(name, args, opts).
        return cast(Inputs, settings_from_inputs(mapped))
