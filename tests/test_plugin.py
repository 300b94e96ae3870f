"""OrderPipeline as a plugin package: the inferred schema, the host over gRPC, the construct path.

(a) the schema inferred in process by the same code the plugin host runs;
(b) the plugin started as the engine starts it (`python provider/ <engine address>`, port on
    the first stdout line) in a virtualenv built from provider/requirements.txt, answering
    GetSchema and GetPluginInfo over gRPC;
(c) the component built through the provider's construct path under Pulumi's mocks registers
    the same resources as direct Python construction, for the dev stack's settings.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from fake_aws import FakeAwsMocks
from order_pipeline import PipelineSettings, SettingsError
from order_pipeline.pipeline import COMPONENT_TYPE, OrderPipeline, output_names
from order_pipeline.provider import OrderPipelineProvider, package_version
from order_pipeline.settings import SETTINGS, config_key
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime import proto
from pulumi.runtime.proto import provider_pb2
from stacks import expected_settings

from harness.program import ProgramRun, RegisteredResource, run_program
from harness.pulumi_internals import construct_inputs
from harness.stack_files import load_stack_config

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_DIR = ROOT / "provider"
UV = [sys.executable, "-m", "uv"]
SCHEMA_TYPES = {int: "integer", bool: "boolean", str: "string"}


def inferred_schema() -> dict[str, Any]:
    return json.loads(OrderPipelineProvider().schema or "")


# --- (a) the schema, in process ----------------------------------------------------------


def test_schema_has_the_token_and_every_setting_as_an_input_with_type_description_default() -> None:
    schema = inferred_schema()
    assert (schema["name"], schema["version"]) == ("order-pipeline", package_version())
    assert list(schema["resources"]) == ["order-pipeline:index:OrderPipeline"]
    resource = schema["resources"][COMPONENT_TYPE]
    assert resource["isComponent"] is True
    assert resource["description"] == OrderPipeline.__doc__
    inputs = resource["inputProperties"]
    assert list(inputs) == [setting.key for setting in SETTINGS]
    for setting in SETTINGS:
        spec = inputs[setting.key]
        assert spec["description"] == setting.description, setting.key
        if setting.type in SCHEMA_TYPES:
            assert spec["type"] == SCHEMA_TYPES[setting.type], setting.key
            assert spec["default"] == setting.default, setting.key
            assert type(spec["default"]) is setting.type, setting.key
        else:  # tags: a map of strings; its default (no tags) is the component's
            assert spec["type"] == "object" and spec["additionalProperties"]["type"] == "string"
            assert "default" not in spec and setting.default == {}
    # Every setting has a default, so a consumer may leave any of them out.
    assert "requiredInputs" not in resource


def test_schema_has_every_output_typed_and_described() -> None:
    resource = inferred_schema()["resources"][COMPONENT_TYPE]
    names = [config_key(name) for name in output_names()]
    assert sorted(resource["properties"]) == sorted(names)
    assert sorted(resource["required"]) == sorted(names)
    for name in names:
        assert resource["properties"][name]["type"] == "string", name
        assert resource["properties"][name]["description"], name
    # The component's outputs() (what the root program exports) are the schema's outputs.
    assert len(set(names)) == len(names) == 15


def test_the_only_change_to_the_analyzers_schema_is_the_defaults() -> None:
    plain = json.loads(
        ComponentProvider([OrderPipeline], "order-pipeline", None, "1.0.0").schema or ""
    )
    ours = json.loads(OrderPipelineProvider("1.0.0").schema or "")
    for schema in (plain, ours):
        resource = schema["resources"][COMPONENT_TYPE]
        resource.pop("requiredInputs", None)
        for spec in resource["inputProperties"].values():
            spec.pop("default", None)
    assert ours == plain


# --- (b) the plugin host as the engine starts it ---------------------------------------------


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with provider/requirements.txt installed, as the pip toolchain builds it
    (`venv`, then `pip install -r requirements.txt` in the plugin folder); in a temp folder so
    the checkout stays clean. uv does the installing, from this project's own environment."""
    venv = tmp_path_factory.mktemp("plugin") / "venv"
    subprocess.run([*UV, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        # --refresh-package: uv caches a local project's build by its pyproject.toml only, so
        # without it the plugin could run a stale build of the component.
        [
            *UV,
            "pip",
            "install",
            "--quiet",
            "--refresh-package",
            "order-pipeline",
            "--python",
            str(python),
            "-r",
            "requirements.txt",
        ],
        cwd=PLUGIN_DIR,
        check=True,
        capture_output=True,
    )
    return python


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}


@pytest.fixture(scope="module")
def plugin_stub(plugin_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # Nothing listens at the engine address: the host only uses it in Construct.
    process = subprocess.Popen(
        [str(plugin_python), str(PLUGIN_DIR), "127.0.0.1:1"],
        cwd=tmp_path_factory.mktemp("consumer"),  # the engine runs it in the consumer's folder
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())  # what the engine parses
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield proto.ResourceProviderStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_plugin_answers_get_schema_over_grpc_with_the_inferred_schema(plugin_stub: Any) -> None:
    response = plugin_stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
    assert json.loads(response.schema) == inferred_schema()


def test_the_plugin_reports_the_package_version(plugin_stub: Any) -> None:
    from google.protobuf import empty_pb2

    info = plugin_stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
    assert info.version == package_version()


def test_the_lambda_code_is_found_in_the_plugins_environment(
    plugin_python: Path, tmp_path: Path
) -> None:
    script = textwrap.dedent(
        """
        import json, sys
        from order_pipeline.lambda_package import handler_files, handler_source_dir
        print(json.dumps({"dir": str(handler_source_dir()),
                          "files": sorted(handler_files(handler_source_dir()))}))
        """
    )
    result = subprocess.run(
        [str(plugin_python), "-c", script],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(result.stdout)
    venv = plugin_python.parent.parent
    assert Path(found["dir"]).is_relative_to(venv), found["dir"]
    assert "handler/index.py" in found["files"]


# --- (c) the construct path under mocks -----------------------------------------------------


def _component_definition() -> Any:
    return Analyzer("order-pipeline").analyze([OrderPipeline])["component_definitions"][
        "OrderPipeline"
    ]


def test_construct_inputs_become_the_same_settings_with_ints_again() -> None:
    dev = load_stack_config("dev").project_values()
    settings = OrderPipelineProvider().map_inputs(construct_inputs(dev), _component_definition())
    assert settings == expected_settings("dev")
    assert isinstance(settings, PipelineSettings)
    assert type(settings.batch_size) is int


def test_construct_applies_the_same_defaults_and_validation_messages() -> None:
    provider, definition = OrderPipelineProvider(), _component_definition()
    assert provider.map_inputs(construct_inputs({}), definition) == PipelineSettings()
    bad = {"functionTimeoutSeconds": 11, "memoryMb": 64}
    with pytest.raises(SettingsError) as via_plugin:
        provider.map_inputs(construct_inputs(bad), definition)
    with pytest.raises(SettingsError) as direct:
        PipelineSettings(function_timeout_seconds=11, memory_mb=64)
    assert str(via_plugin.value) == str(direct.value)


CONSTRUCT_PROGRAM = """
import json
import pulumi
from harness.pulumi_internals import construct_inputs
from order_pipeline.pipeline import COMPONENT_TYPE
from order_pipeline.provider import OrderPipelineProvider

result = OrderPipelineProvider().construct(
    "orders-dev", COMPONENT_TYPE, construct_inputs(json.loads({inputs!r})), pulumi.ResourceOptions()
)
for name, value in result.state.items():
    pulumi.export(name, value)
"""

DIRECT_PROGRAM = """
import json
import pulumi
from order_pipeline import OrderPipeline, settings_from_config

pipeline = OrderPipeline("orders-dev", settings_from_config(json.loads({inputs!r})))
for name, value in pipeline.outputs().items():
    pulumi.export(name, value)
"""


def _graph(run: ProgramRun) -> list[tuple[str, str, str, str]]:
    def comparable(resource: RegisteredResource) -> str:
        inputs = dict(resource.inputs)
        if "code" in inputs:  # an archive object per run: compare what it holds
            inputs["code"] = sorted(inputs["code"].assets)
        return json.dumps(inputs, sort_keys=True, default=str)

    return sorted((r.type, r.name, r.parent_urn, comparable(r)) for r in run.resources)


def test_construct_path_registers_the_same_graph_as_direct_construction(tmp_path: Path) -> None:
    config = load_stack_config("dev")
    inputs = json.dumps(config.project_values())
    runs = []
    for name, source in (("construct", CONSTRUCT_PROGRAM), ("direct", DIRECT_PROGRAM)):
        program = tmp_path / name / "__main__.py"
        program.parent.mkdir()
        program.write_text(source.format(inputs=inputs))
        runs.append(run_program(config, FakeAwsMocks(), program=program))
    via_plugin, direct = runs
    assert len(via_plugin.resources) == len(direct.resources) == 31
    assert _graph(via_plugin) == _graph(direct)
    # construct's state is the component's outputs, named as in the schema.
    assert via_plugin.outputs == direct.outputs
    assert sorted(via_plugin.outputs) == sorted(config_key(n) for n in output_names())


def test_a_bad_value_fails_construct_with_the_settings_message(tmp_path: Path) -> None:
    config = load_stack_config("dev")
    program = tmp_path / "__main__.py"
    program.write_text(CONSTRUCT_PROGRAM.format(inputs=json.dumps({"batchSize": 11})))
    with pytest.raises(SettingsError, match=r"batchingWindowSeconds .* = 0: must be at least 1"):
        run_program(config, FakeAwsMocks(), program=program)


# --- the other-language examples (not run here: no Pulumi CLI) -----------------------------


def test_the_yaml_example_names_only_what_the_schema_has() -> None:
    project = yaml.safe_load((ROOT / "examples" / "yaml-shop" / "Pulumi.yaml").read_text())
    resource = inferred_schema()["resources"][COMPONENT_TYPE]
    source = project["packages"]["order-pipeline"]
    assert source.endswith(f".git/provider@v{package_version()}")
    (orders,) = project["resources"].values()
    assert orders["type"] == COMPONENT_TYPE
    assert set(orders["properties"]) <= set(resource["inputProperties"])
    settings = {s.key: s.name for s in SETTINGS}
    PipelineSettings(**{settings[k]: v for k, v in orders["properties"].items()})  # valid
    used = {m for v in project["outputs"].values() for m in re.findall(r"orders\.(\w+)", v)}
    assert used and used <= set(resource["properties"])


def test_the_typescript_example_names_only_what_the_schema_has() -> None:
    source = (ROOT / "examples" / "typescript-shop" / "index.ts").read_text()
    resource = inferred_schema()["resources"][COMPONENT_TYPE]
    args = source.split("{", 2)[2].split("}", 1)[0]  # the settings object literal
    keys = set(re.findall(r"^\s*(\w+):", args, re.MULTILINE))
    assert keys and keys <= set(resource["inputProperties"])
    outputs = set(re.findall(r"orders\.(\w+)", source))
    assert outputs and outputs <= set(resource["properties"])
    pulumi_yaml = (ROOT / "examples" / "typescript-shop" / "Pulumi.yaml").read_text()
    assert f".git/provider@v{package_version()}" in pulumi_yaml
