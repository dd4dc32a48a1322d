"""SnowflakeLakeStage: integration ↔ IAM role handshake in one deployment, the role's access, file format, stage."""

from __future__ import annotations

import json

import pytest

from pulumi_harness import (
    ACCOUNT_ID,
    REGION,
    SNOWFLAKE_EXTERNAL_ID,
    SNOWFLAKE_IAM_USER_ARN,
    as_list,
    assert_least_privilege,
    statements,
)

SF = "snowflake:index/"
INTEGRATION = f"{SF}storageIntegrationAws:StorageIntegrationAws"
STAGE = f"{SF}stageExternalS3:StageExternalS3"
FILE_FORMAT = f"{SF}fileFormatParquet:FileFormatParquet"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LAKE_ARN = "arn:aws:s3:::coretelecoms-test-lake"


@pytest.fixture(scope="module")
def parts(program):
    return {
        "integration": program.one(INTEGRATION),
        "role": program.one(ROLE, "lake-stage-role"),
        "policy": program.one(ROLE_POLICY, "lake-stage-role-policy"),
        "stage": program.one(STAGE),
        "file_format": program.one(FILE_FORMAT),
    }


def test_integration_allows_only_the_lakes_raw_prefix(parts):
    inputs = parts["integration"].inputs
    assert inputs["storageProvider"] == "S3"
    assert inputs["enabled"] is True
    assert inputs["storageAllowedLocations"] == ["s3://coretelecoms-test-lake/raw/"]


def test_integration_gets_the_role_arn_before_the_role_exists(program, parts):
    integration, role = parts["integration"], parts["role"]
    computed = f"arn:aws:iam::{ACCOUNT_ID}:role/coretelecoms-test-snowflake-lake"
    assert integration.inputs["storageAwsRoleArn"] == computed
    # The precomputed ARN is the one IAM actually gives the role: fixed name, default path.
    assert role.inputs["name"] == "coretelecoms-test-snowflake-lake"
    assert role.inputs.get("path", "/") == "/"
    assert role.outputs["arn"] == computed
    # And the integration waits for nothing on the AWS side that depends on it.
    assert role.urn not in program.ancestors(integration)
    assert parts["policy"].urn not in program.ancestors(integration)


def test_role_name_is_configurable(variant):
    integration = variant.one(INTEGRATION)
    assert integration.inputs["storageAwsRoleArn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/ct-prod-snowflake"
    assert variant.one(ROLE, "lake-stage-role").outputs["arn"] == integration.inputs["storageAwsRoleArn"]


def test_trust_policy_uses_the_integrations_iam_user_and_external_id(parts):
    trust = json.loads(parts["role"].inputs["assumeRolePolicy"])
    (statement,) = statements(trust)
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": SNOWFLAKE_IAM_USER_ARN}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": SNOWFLAKE_EXTERNAL_ID}}
    assert_least_privilege(trust)


def test_role_waits_for_the_integration(program, parts):
    assert parts["integration"].urn in parts["role"].property_dependencies["assumeRolePolicy"]
    assert parts["integration"].urn in program.ancestors(parts["role"])


def test_snowflake_role_reads_only_raw_and_decrypts_with_the_lake_key(program, parts):
    document = json.loads(parts["policy"].inputs["policy"])
    assert parts["policy"].inputs["role"] == parts["role"].outputs["name"]
    assert_least_privilege(document)
    key_arn = program.one("aws:kms/key:Key").outputs["arn"]
    by_sid = {s["Sid"]: s for s in statements(document)}
    pairs = {(a, r) for s in by_sid.values() for a in as_list(s["Action"]) for r in as_list(s["Resource"])}
    assert pairs == {
        ("s3:GetObject", f"{LAKE_ARN}/raw/*"),
        ("s3:GetObjectVersion", f"{LAKE_ARN}/raw/*"),
        ("s3:ListBucket", LAKE_ARN),
        ("s3:GetBucketLocation", LAKE_ARN),
        ("kms:Decrypt", key_arn),
    }
    listing = next(s for s in by_sid.values() if "s3:ListBucket" in as_list(s["Action"]))
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["raw/*"]}}
    kms = next(s for s in by_sid.values() if "kms:Decrypt" in as_list(s["Action"]))
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}


def test_parquet_file_format(parts):
    inputs = parts["file_format"].inputs
    assert inputs["name"] == "PARQUET"
    assert (inputs["database"], inputs["schema"]) == ("CORETELECOMS", "RAW")
    assert inputs["compression"] in ("SNAPPY", "AUTO")


def test_stage_is_raw_lake_stage_over_raw_through_the_integration(parts):
    inputs = parts["stage"].inputs
    assert (inputs["database"], inputs["schema"], inputs["name"]) == ("CORETELECOMS", "RAW", "LAKE_STAGE")
    assert inputs["url"] == "s3://coretelecoms-test-lake/raw/"
    assert inputs["url"] in parts["integration"].inputs["storageAllowedLocations"]
    assert inputs["storageIntegration"] == parts["integration"].inputs["name"]
    assert inputs["fileFormat"] == {"formatName": parts["file_format"].outputs["fullyQualifiedName"]}
    assert "credentials" not in inputs  # access only through the integration, never keys


def test_stage_explicitly_depends_on_the_roles_policy(parts):
    stage, policy = parts["stage"], parts["policy"]
    assert policy.urn in stage.dependencies
    # Nothing in the stage's inputs refers to the policy: only depends_on can have put it there.
    assert all(policy.urn not in urns for urns in stage.property_dependencies.values())


def test_stage_name_is_configurable(variant):
    stage = variant.one(STAGE)
    assert (stage.inputs["database"], stage.inputs["schema"], stage.inputs["name"]) == (
        "CT_PROD",
        "RAW",
        "LANDING_STAGE",
    )
    assert variant.exports["snowflake_stage"] == "RAW.LANDING_STAGE"


@pytest.mark.parametrize("run", ["program", "variant"])
def test_no_resource_depends_on_itself(request, run):
    """The dependency graph the engine would see is acyclic, including the integration ↔ role chain."""
    registrations = request.getfixturevalue(run)
    for registration in registrations.registrations:
        assert registration.urn not in registrations.ancestors(registration), registration.name
