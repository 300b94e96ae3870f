"""`-c key=value` overrides follow `pulumi config set` and the program's typed reads."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.stack_files import StackConfigError, load_stack_config, parse_overrides


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("batchSize=16", {"batchSize": 16}),
        ("order-pipeline:batchSize=-3", {"order-pipeline:batchSize": -3}),
        ("rawMessageDelivery=true", {"rawMessageDelivery": True}),
        ("rawMessageDelivery=false", {"rawMessageDelivery": False}),
        ("rawMessageDelivery=True", {"rawMessageDelivery": True}),  # pulumi.Config.get_bool
        ("batchSize=+7", {"batchSize": 7}),
        ("alarmEmail=", {"alarmEmail": ""}),
        ("alarmEmail=a=b@example.com", {"alarmEmail": "a=b@example.com"}),
        ("architecture=0x10", {"architecture": "0x10"}),  # a string stays as typed
        ("aws:region=eu-west-1", {"aws:region": "eu-west-1"}),
        ('tags={"team": "shop"}', {"tags": {"team": "shop"}}),  # get_object reads JSON text
    ],
)
def test_accepted_spellings(pair: str, expected: dict[str, object]) -> None:
    assert parse_overrides([pair]) == expected


@pytest.mark.parametrize(
    ("pair", "words"),
    [
        ("batchSize=0x10", ["batchSize", "integer", "decimal"]),
        ("batchSize=1e3", ["batchSize", "integer", "decimal"]),
        ("batchSize=1_000", ["batchSize", "integer", "decimal"]),
        ("batchSize= 16", ["batchSize", "integer", "decimal"]),
        ("batchSize=", ["batchSize", "integer", "decimal"]),
        ("rawMessageDelivery=yes", ["rawMessageDelivery", "boolean", "true or false"]),
        ("rawMessageDelivery=TRUE", ["rawMessageDelivery", "boolean", "true or false"]),
        ("rawMessageDelivery=on", ["rawMessageDelivery", "boolean", "true or false"]),
        ("rawMessageDelivery=1", ["rawMessageDelivery", "boolean", "true or false"]),
        ("foo:bar=1", ["foo:bar", "not a key this project reads", "aws:region"]),
        ("aws:profile=ops", ["aws:profile", "not a key this project reads"]),
        ("maxRecieveCount=3", ["maxRecieveCount", "not a key this project reads"]),
        ("batchSize", ["batchSize", "key=value"]),
        ("tags=team", ["tags", "JSON object", "tags.team=shop"]),
        ("batchSize.x=1", ["batchSize.x", "only an object-valued key"]),
    ],
)
def test_refused_spellings_name_the_key_and_the_rule(pair: str, words: list[str]) -> None:
    with pytest.raises(StackConfigError) as caught:
        parse_overrides([pair])
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize("region", ["eu-west-1x", "europe", "", "us-east"])
def test_a_region_that_is_not_one_is_refused(region: str) -> None:
    with pytest.raises(StackConfigError, match="is not an AWS region name"):
        load_stack_config("dev", {"aws:region": region})


def test_real_regions_pass() -> None:
    for region in ("us-east-1", "eu-central-2", "ap-southeast-4", "cn-north-1", "us-gov-west-1"):
        assert load_stack_config("dev", {"aws:region": region}).values["aws:region"] == region


def test_bad_region_on_the_command_line_is_one_sentence_and_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "localcloud", "demo", "-c", "aws:region=eu-west-1x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "localcloud: aws:region = 'eu-west-1x' is not an AWS region name (like us-east-1 or "
        "eu-west-1); fix it in the stack file or the -c override"
    ]


def test_bad_override_on_the_command_line_is_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "localcloud", "demo", "-c", "batchSize=0x10"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "batchSize is an integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_path_overrides_set_members_of_an_object_key() -> None:
    # Like `pulumi config set --path tags.team shop`.
    assert parse_overrides(["tags.team=shop", "tags.cost-centre=42"]) == {
        "tags": {"team": "shop", "cost-centre": "42"}
    }


def test_tags_override_reaches_the_stack_config() -> None:
    config = load_stack_config("dev", parse_overrides(["tags.team=shop"]))
    assert config.values["order-pipeline:tags"] == {"team": "shop"}
