"""Another project imports OrderPipeline: from this checkout, and from a built wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from fake_aws import FakeAwsMocks
from test_stack_graph import FUNCTION, QUEUE, SUBSCRIPTION, TABLE, TOPIC, TRIGGER

from harness.program import run_program
from harness.stack_files import StackConfig

ROOT = Path(__file__).resolve().parent.parent
SHOP_PROGRAM = ROOT / "examples" / "python-shop" / "__main__.py"
# uv comes from this project's own environment (the dev group pins it), never from PATH:
# a fresh machine has no uv of its own.
UV = [sys.executable, "-m", "uv"]


def test_other_project_builds_the_component_with_its_own_settings() -> None:
    # This project's namespace is present but must be ignored: the component reads no config.
    config = StackConfig(
        "shop", "staging", {"order-pipeline:batchSize": 1, "aws:region": "eu-west-1"}
    )
    run = run_program(config, FakeAwsMocks(), program=SHOP_PROGRAM)

    assert run.one(TRIGGER).inputs["batchSize"] == 20
    assert run.one(TRIGGER).inputs["maximumBatchingWindowInSeconds"] == 2
    assert run.one(QUEUE, "-queue").inputs["visibilityTimeoutSeconds"] == 120
    assert run.one(SUBSCRIPTION, "-subscription").inputs["rawMessageDelivery"] is True
    function = run.one(FUNCTION)
    assert function.inputs["architectures"] == ["x86_64"]
    assert function.inputs["environment"]["variables"]["RAW_MESSAGE_DELIVERY"] == "true"
    assert run.one(TABLE).inputs["tags"] == {"team": "shop"}
    assert all(r.name.startswith("shop-orders") for r in run.resources)
    assert {k: v for k, v in run.outputs.items() if k != "attributes"} == {
        "ordersTopic": run.one(TOPIC, "-topic").outputs["arn"],
        "ordersTable": run.one(TABLE).outputs["name"],
    }


def test_component_exposes_its_outputs_as_attributes() -> None:
    run = run_program(StackConfig("shop", "staging", {}), FakeAwsMocks(), program=SHOP_PROGRAM)
    queue, dlq = run.one(QUEUE, "-queue").outputs, run.one(QUEUE, "-dlq").outputs
    assert run.outputs["attributes"] == {
        "topic_arn": run.one(TOPIC, "-topic").outputs["arn"],
        "queue_url": queue["url"],
        "queue_arn": queue["arn"],
        "dead_letter_queue_url": dlq["url"],
        "dead_letter_queue_arn": dlq["arn"],
        "table_name": run.one(TABLE).outputs["name"],
        "table_arn": run.one(TABLE).outputs["arn"],
        "function_name": run.one(FUNCTION).outputs["name"],
        "function_arn": run.one(FUNCTION).outputs["arn"],
        "alarm_topic_arn": run.one(TOPIC, "-alarms").outputs["arn"],
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [*UV, "build", "--wheel", "--out-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("order_pipeline-*.whl")
    return built


def test_wheel_ships_the_component_and_the_lambda_code_under_one_import_name(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "order_pipeline/__init__.py" in names
    assert "order_pipeline/pipeline.py" in names
    assert "order_pipeline/handler/index.py" in names
    # No generic top-level names in site-packages.
    top_level = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top_level == {"order_pipeline"}


@pytest.fixture(scope="module")
def consumer_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only the wheel (and its dependencies) installed."""
    venv = tmp_path_factory.mktemp("consumer") / "venv"
    subprocess.run([*UV, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*UV, "pip", "install", "--quiet", "--python", str(python), str(wheel)],
        check=True,
        capture_output=True,
    )
    return python


def test_wheel_marks_the_package_as_typed(wheel: Path) -> None:
    assert "order_pipeline/py.typed" in zipfile.ZipFile(wheel).namelist()


def test_strict_mypy_in_a_consumer_sees_the_component_types(
    consumer_python: Path, tmp_path: Path
) -> None:
    program = tmp_path / "typed_consumer.py"
    program.write_text(
        textwrap.dedent(
            """
            from order_pipeline import PipelineSettings

            settings = PipelineSettings(batch_size=7)
            size: str = settings.batch_size  # an int: strict mypy must say so
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--python-executable", str(consumer_python), str(program)],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    # Without py.typed mypy skips the package ("missing library stubs or py.typed marker")
    # and types every name from it as Any, so the wrong annotation below would pass.
    assert "py.typed" not in result.stdout
    assert 'Incompatible types in assignment (expression has type "int"' in result.stdout
    assert result.returncode == 1


def test_installed_wheel_is_importable_and_packages_its_own_handler(
    consumer_python: Path, tmp_path: Path
) -> None:
    python, venv = consumer_python, consumer_python.parent.parent
    program = tmp_path / "consumer.py"
    program.write_text(
        textwrap.dedent(
            """
            import json, pulumi
            from order_pipeline import OrderPipeline, PipelineSettings
            from order_pipeline.lambda_package import handler_files, handler_source_dir

            class Mocks(pulumi.runtime.Mocks):
                def new_resource(self, args):
                    arn = "arn:aws:x:us-east-1:123456789012:" + args.name
                    return args.name + "-id", {**args.inputs, "arn": arn}
                def call(self, args):
                    return {"accountId": "123456789012", "partition": "aws"}, []

            pulumi.runtime.set_mocks(Mocks(), project="consumer", stack="test", preview=False)

            @pulumi.runtime.test
            def build():
                pipeline = OrderPipeline("consumer-orders", PipelineSettings(batch_size=7))
                return pipeline.function_arn

            build()
            print(json.dumps({"file": __import__("order_pipeline").__file__,
                              "handler_dir": str(handler_source_dir()),
                              "files": sorted(handler_files(handler_source_dir()))}))
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    result = subprocess.run(
        [str(python), str(program)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["file"].startswith(str(venv))
    assert report["handler_dir"].startswith(str(venv))
    assert "handler/index.py" in report["files"]
