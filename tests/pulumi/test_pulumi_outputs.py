"""Stack outputs the chart and the loader consume, secrets marked secret, and the program's shape."""

from __future__ import annotations

import ast

from pulumi_harness import PULUMI_DIR, SNOWFLAKE_EXTERNAL_ID, SNOWFLAKE_IAM_USER_ARN, infra_config

EXPECTED_EXPORTS = {
    "aws_region",
    "lake_bucket",
    "lake_url",
    "lake_kms_key_arn",
    "source_url",
    "namespace",
    "service_accounts",
    "role_arns",
    "snowflake_database",
    "snowflake_warehouse",
    "snowflake_stage",
    "snowflake_file_format",
    "snowflake_storage_integration",
    "snowflake_lake_role_arn",
    "snowflake_storage_aws_iam_user_arn",
    "snowflake_storage_aws_external_id",
    "snowflake_pii_tag",
    "snowflake_users",
    "pipeline_env",
}


def test_exports(program):
    assert set(program.exports) == EXPECTED_EXPORTS
    out = program.exports
    key_arn = program.one("aws:kms/key:Key").outputs["arn"]
    assert out["lake_bucket"] == "coretelecoms-test-lake"
    assert out["lake_url"] == "s3://coretelecoms-test-lake"
    assert out["lake_kms_key_arn"] == key_arn
    assert out["source_url"] == "s3://coretelecoms-test-source"
    assert out["snowflake_stage"] == "RAW.LAKE_STAGE"
    assert out["snowflake_file_format"] == "RAW.PARQUET"
    assert (
        out["snowflake_storage_integration"]
        == program.one("snowflake:index/storageIntegrationAws:StorageIntegrationAws").inputs["name"]
    )
    assert out["snowflake_storage_aws_iam_user_arn"] == SNOWFLAKE_IAM_USER_ARN
    assert out["snowflake_storage_aws_external_id"] == SNOWFLAKE_EXTERNAL_ID
    assert out["snowflake_users"] == {
        "loader": {"user": "LOADER", "role": "LOADER"},
        "dbt": {"user": "TRANSFORMER", "role": "TRANSFORMER"},
    }


def test_role_arns_are_the_roles_created_for_each_image(program):
    roles = {r.name.removeprefix("pipeline-"): r.outputs["arn"] for r in program.of_type("aws:iam/role:Role")}
    assert program.exports["role_arns"] == {image: roles[image] for image in infra_config.IMAGES}
    assert program.exports["snowflake_lake_role_arn"] == roles["lake-stage-role"]


def test_only_the_external_id_is_secret(program):
    assert program.secret_exports == {"snowflake_storage_aws_external_id"}


def test_pipeline_env_uses_the_designs_variable_names(program):
    env = program.exports["pipeline_env"]
    assert env == {
        "AWS_REGION": "eu-west-1",
        "CORETELECOMS_SOURCE_URL": "s3://coretelecoms-test-source",
        "CORETELECOMS_LAKE_URL": "s3://coretelecoms-test-lake",
        "CORETELECOMS_LAKE_KMS_KEY_ID": program.exports["lake_kms_key_arn"],
        "CORETELECOMS_WAREHOUSE": "snowflake",
        "SNOWFLAKE_DATABASE": "CORETELECOMS",
        "SNOWFLAKE_WAREHOUSE": "CORETELECOMS_WH",
        "SNOWFLAKE_STAGE": "RAW.LAKE_STAGE",
    }


def test_variant_exports_follow_config(variant):
    out = variant.exports
    assert out["namespace"] == "pipelines"
    assert out["service_accounts"]["loader"] == "loader-sa"
    assert out["pipeline_env"]["SNOWFLAKE_ACCOUNT"] == "MYORG-CT_PROD"
    assert out["pipeline_env"]["SNOWFLAKE_DATABASE"] == "CT_PROD"
    assert out["pipeline_env"]["SNOWFLAKE_STAGE"] == "RAW.LANDING_STAGE"
    assert out["snowflake_storage_integration"] == "CORETELECOMS_LAKE_PROD"


def test_every_resource_sits_in_a_component_named_prefix(program):
    components = {r.urn: r for r in program.registrations if r.type.startswith("coretelecoms:infra:")}
    assert {c.type.rsplit(":", 1)[1] for c in components.values()} == {
        "LakeStorage",
        "PipelineIdentity",
        "SnowflakeWarehouse",
        "SnowflakeLakeStage",
    }
    for registration in program.registrations:
        if registration.custom:
            parent = components.get(registration.parent)
            assert parent is not None, f"{registration.name} is not inside a component"
            assert registration.name.startswith(f"{parent.name}-"), registration.name


def test_main_only_wires_components():
    """__main__.py constructs no provider resource itself: every aws./snowflake. call lives in a component."""
    tree = ast.parse((PULUMI_DIR / "__main__.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not imported & {"pulumi_aws", "pulumi_snowflake"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.module not in ("pulumi_aws", "pulumi_snowflake")
