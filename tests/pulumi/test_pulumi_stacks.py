"""The project and example stack files: they parse, use only known keys, hold no secrets, and deploy under mocks."""

from __future__ import annotations

import json

import pytest
import yaml

from pulumi_harness import PROJECT, PULUMI_DIR, infra_config, run_program

STACKS = ("dev", "prod")
PLACEHOLDER = "REPLACE_WITH_"


def stack_config(stack: str) -> dict[str, str]:
    """The stack file as the CLI hands it to the program: objects as JSON, scalars as strings."""
    document = yaml.safe_load((PULUMI_DIR / f"Pulumi.{stack}.yaml").read_text())
    flat = {}
    for key, value in document["config"].items():
        if isinstance(value, dict | list):
            flat[key] = json.dumps(value)
        elif isinstance(value, bool):
            flat[key] = str(value).lower()
        else:
            flat[key] = str(value)
    return flat


def test_project_file_is_a_python_project_named_like_the_config_namespace():
    project = yaml.safe_load((PULUMI_DIR / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT
    assert project["runtime"]["name"] == "python"
    assert "virtualenv" not in project["runtime"].get("options", {})


def test_requirements_pin_the_three_pulumi_packages_and_pydantic():
    lines = [
        line for line in (PULUMI_DIR / "requirements.txt").read_text().splitlines() if line and line[0] != "#"
    ]
    assert sorted(line.split(">")[0] for line in lines) == [
        "pulumi",
        "pulumi-aws",
        "pulumi-snowflake",
        "pydantic",
    ]
    assert all(">=" in line and ",<" in line for line in lines), lines  # a floor and a ceiling each


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_uses_only_known_keys_and_no_secrets(stack):
    text = (PULUMI_DIR / f"Pulumi.{stack}.yaml").read_text()
    assert "secure:" not in text and "PRIVATE KEY" not in text
    for key in stack_config(stack):
        namespace, _, name = key.partition(":")
        assert namespace in (PROJECT, "aws", "snowflake"), key
        if namespace == PROJECT:
            assert name in infra_config.KEYS, f"unknown key {key}"
        if namespace == "snowflake":
            assert name not in ("privateKey", "password", "privateKeyPassphrase", "token"), key


@pytest.mark.parametrize("stack", STACKS)
def test_unreplaced_placeholder_key_stops_the_program_with_one_line(stack):
    with pytest.raises(infra_config.StackConfigError) as err:
        run_program(stack_config(stack), stack=stack)
    assert "snowflakeLoaderPublicKey" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_deploys_under_mocks_once_keys_are_filled_in(stack, key_pairs):
    config = {
        key: (
            key_pairs["loader" if "Loader" in key else "transformer"][0]
            if value.startswith(PLACEHOLDER)
            else value
        )
        for key, value in stack_config(stack).items()
    }
    program = run_program(config, stack=stack)
    assert program.exports["snowflake_stage"] == "RAW.LAKE_STAGE"
    assert program.exports["snowflake_storage_integration"] == f"CORETELECOMS_LAKE_{stack.upper()}"
    assert set(program.exports["role_arns"]) == set(infra_config.IMAGES)


def test_readme_documents_every_key():
    readme = (PULUMI_DIR / "README.md").read_text()
    missing = [key for key in infra_config.KEYS if f"`{key}`" not in readme]
    assert missing == []
