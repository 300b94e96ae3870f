"""Changing what the component builds beyond its settings: stack-config tags and transformations."""

import textwrap
from pathlib import Path

from fake_aws import FakeAwsMocks
from order_pipeline import PipelineSettings
from stacks import deploy

from harness.program import ProgramRun, run_program
from harness.resource_types import QUEUE, TABLE
from harness.stack_files import StackConfig, load_stack_config

ROOT = Path(__file__).resolve().parent.parent
CUSTOMISED = ROOT / "examples" / "python-customised" / "__main__.py"
CONFIG = StackConfig("customised-shop", "dev", {"aws:region": "us-east-1"})


def taggable(run: ProgramRun) -> dict[str, dict[str, str] | None]:
    """name -> tags of every child that takes a `tags` input (what AWS can tag)."""
    return {r.name: r.inputs.get("tags") for r in run.resources if "tags" in r.inputs}


def program(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "__main__.py"
    path.write_text(textwrap.dedent(body))
    return path


def test_tags_from_stack_config_reach_every_resource_that_takes_tags() -> None:
    # As `pulumi config set --path 'tags.team' orders` stores it: a YAML map in the stack file.
    values = {**load_stack_config("dev").values, "order-pipeline:tags": {"team": "orders"}}
    run = run_program(StackConfig("order-pipeline", "dev", values), FakeAwsMocks())
    untagged = {name for name, tags in taggable(deploy("dev")).items() if tags == {}}
    assert untagged and set(taggable(run)) >= untagged
    for name in untagged:
        assert taggable(run)[name] == {"team": "orders"}, name


def test_a_transformation_on_the_component_changes_one_child_and_tags_all(
    tmp_path: Path,
) -> None:
    run = run_program(CONFIG, FakeAwsMocks(), program=CUSTOMISED)
    # The same component and settings without the transformations.
    plain = run_program(
        CONFIG,
        FakeAwsMocks(),
        program=program(
            tmp_path,
            """
            from order_pipeline import OrderPipeline, PipelineSettings
            OrderPipeline("custom-orders", PipelineSettings(tags={"team": "shop"}))
            """,
        ),
    )
    resources = {r.name: r for r in run.resources}
    plain_resources = {r.name: r for r in plain.resources}
    assert resources.keys() == plain_resources.keys()
    # Every child that takes tags got the extra tag on top of the settings' tags.
    for name, tags in taggable(run).items():
        assert tags is not None and tags["cost-centre"] == "cc-4711", name
        assert tags.items() >= (taggable(plain).get(name) or {}).items(), name
    # Beyond tags, exactly one property of one child changed.
    changed = {
        (name, key)
        for name, r in resources.items()
        for key in r.inputs.keys() | plain_resources[name].inputs.keys()
        # (the code archive is a fresh object per run, so it compares by identity)
        if key not in {"tags", "code"}
        and r.inputs.get(key) != plain_resources[name].inputs.get(key)
    }
    assert changed == {("custom-orders-table", "tableClass")}
    assert run.one(TABLE).inputs["tableClass"] == "STANDARD_INFREQUENT_ACCESS"


def test_new_style_transforms_do_not_run_under_the_sdk_mocks(tmp_path: Path) -> None:
    # `transforms` are applied by the Pulumi engine, which calls back into the program;
    # the SDK's mocks have no engine, so the child queue is registered unchanged. This
    # pins why the tests use legacy `transformations` (docs/component.md).
    body = """
        import pulumi
        from order_pipeline import OrderPipeline, PipelineSettings

        def one_minute(args):
            return pulumi.ResourceTransformResult(
                {**args.props, "messageRetentionSeconds": 60}, args.opts
            )

        OrderPipeline("t", PipelineSettings(), pulumi.ResourceOptions(transforms=[one_minute]))
        """
    run = run_program(CONFIG, FakeAwsMocks(), program=program(tmp_path, body))
    retention = run.one(QUEUE, "-queue").inputs["messageRetentionSeconds"]
    assert retention == PipelineSettings().message_retention_seconds
