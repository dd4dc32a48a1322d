"""PipelineIdentity: one IRSA role per image, trust pinned to one service account, least-privilege policies."""

from __future__ import annotations

import json

import pytest

from pulumi_harness import (
    OIDC_ARN,
    OIDC_ISSUER,
    REGION,
    VARIANT_KMS,
    as_list,
    assert_least_privilege,
    infra_config,
    statements,
)

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LAKE_ARN = "arn:aws:s3:::coretelecoms-test-lake"
SOURCE_ARN = "arn:aws:s3:::coretelecoms-test-source"


def image_roles(program):
    return {
        r.name.removeprefix("pipeline-"): r for r in program.of_type(ROLE) if r.name.startswith("pipeline-")
    }


def image_policies(program):
    """image → parsed inline policy, joined through the policy's `role` input to the role's name."""
    by_role_name = {r.outputs["name"]: image for image, r in image_roles(program).items()}
    found = {}
    for policy in program.of_type(ROLE_POLICY):
        if policy.inputs["role"] in by_role_name:
            found[by_role_name[policy.inputs["role"]]] = json.loads(policy.inputs["policy"])
    return found


def allowed(document):
    """(action, resource) pairs the document allows, with conditions kept for the statements that have them."""
    pairs = set()
    for statement in statements(document):
        if statement["Effect"] == "Allow":
            for action in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    pairs.add((action, resource))
    return pairs


def test_one_role_per_image(program):
    assert set(image_roles(program)) == set(infra_config.IMAGES)


@pytest.mark.parametrize("image", infra_config.IMAGES)
def test_trust_is_the_clusters_oidc_provider_and_exactly_one_service_account(program, image):
    trust = json.loads(image_roles(program)[image].inputs["assumeRolePolicy"])
    (statement,) = statements(trust)
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Federated": OIDC_ARN}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{OIDC_ISSUER}:sub": f"system:serviceaccount:coretelecoms:{image}",
            f"{OIDC_ISSUER}:aud": "sts.amazonaws.com",
        }
    }


def test_trust_follows_configured_namespace_and_service_accounts(variant):
    subjects = {}
    for image, role in image_roles(variant).items():
        (statement,) = statements(json.loads(role.inputs["assumeRolePolicy"]))
        subjects[image] = statement["Condition"]["StringEquals"][f"{OIDC_ISSUER}:sub"]
    assert subjects == {
        "extract-files": "system:serviceaccount:pipelines:files-sa",
        "extract-sheets": "system:serviceaccount:pipelines:extract-sheets",
        "extract-postgres": "system:serviceaccount:pipelines:extract-postgres",
        "loader": "system:serviceaccount:pipelines:loader-sa",
        "dbt": "system:serviceaccount:pipelines:dbt",
    }


def test_every_iam_document_is_least_privilege(program, variant):
    documents = 0
    for run in (program, variant):
        for registration in run.of_type(ROLE_POLICY):
            assert_least_privilege(json.loads(registration.inputs["policy"]))
            documents += 1
        for registration in run.of_type(ROLE):
            assert_least_privilege(json.loads(registration.inputs["assumeRolePolicy"]))
            documents += 1
    assert documents >= 2 * (len(infra_config.IMAGES) + 1)


def _lake_object_grants(document):
    return {(a, r) for a, r in allowed(document) if r.startswith(f"{LAKE_ARN}/")}


EXTRACTOR_OBJECT_ACTIONS = {"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"}


@pytest.mark.parametrize("image", ["extract-files", "extract-sheets", "extract-postgres"])
def test_extractors_write_only_raw_and_quarantine(program, image):
    document = image_policies(program)[image]
    expected = {
        (action, f"{LAKE_ARN}/{prefix}*")
        for action in EXTRACTOR_OBJECT_ACTIONS
        for prefix in ("raw/", "quarantine/")
    }
    assert _lake_object_grants(document) == expected
    (listing,) = [s for s in statements(document) if s["Resource"] == LAKE_ARN]
    assert listing["Action"] == ["s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["raw/*", "quarantine/*"]}}


def test_only_extract_files_reads_the_source_and_only_reads(program):
    policies = image_policies(program)
    for image, document in policies.items():
        source = {(a, r) for a, r in allowed(document) if r.startswith(SOURCE_ARN)}
        if image == "extract-files":
            assert source == {("s3:ListBucket", SOURCE_ARN), ("s3:GetObject", f"{SOURCE_ARN}/*")}
        else:
            assert source == set(), image


@pytest.mark.parametrize("image", ["extract-files", "extract-sheets", "extract-postgres"])
def test_kms_use_is_scoped_to_the_lake_key_through_s3(program, image):
    key_arn = program.one("aws:kms/key:Key").outputs["arn"]
    kms = [
        s
        for s in statements(image_policies(program)[image])
        if any(a.startswith("kms:") for a in as_list(s["Action"]))
    ]
    assert len(kms) == 1
    assert kms[0]["Resource"] == key_arn
    assert sorted(kms[0]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms[0]["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}


def test_source_key_decrypt_only_when_configured(program, variant):
    def kms_resources(run):
        document = image_policies(run)["extract-files"]
        return sorted(s["Resource"] for s in statements(document) if "kms:Decrypt" in as_list(s["Action"]))

    lake_key = program.one("aws:kms/key:Key").outputs["arn"]
    assert kms_resources(program) == [lake_key]
    assert kms_resources(variant) == sorted([lake_key, VARIANT_KMS])
    source_kms = [
        s for s in statements(image_policies(variant)["extract-files"]) if s["Resource"] == VARIANT_KMS
    ]
    assert source_kms[0]["Action"] == ["kms:Decrypt"]


def test_loader_reads_only_the_manifests_by_default(program):
    # The Snowflake loader reads each partition's manifest from the lake; Snowflake reads the data.
    document = image_policies(program)["loader"]
    key_arn = program.one("aws:kms/key:Key").outputs["arn"]
    assert allowed(document) == {
        ("s3:ListBucket", LAKE_ARN),
        ("s3:GetObject", f"{LAKE_ARN}/raw/*/_manifest.json"),
        ("kms:Decrypt", key_arn),
    }


def test_loader_reads_only_raw_when_the_stack_opts_in(variant):
    document = image_policies(variant)["loader"]
    key_arn = variant.one("aws:kms/key:Key").outputs["arn"]
    assert allowed(document) == {
        ("s3:ListBucket", LAKE_ARN),
        ("s3:GetObject", f"{LAKE_ARN}/raw/*"),
        ("kms:Decrypt", key_arn),
    }
    (listing,) = [s for s in statements(document) if s["Resource"] == LAKE_ARN]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["raw/*"]}}


def test_dbt_role_has_no_policy_at_all(program, variant):
    for run in (program, variant):
        dbt_name = image_roles(run)["dbt"].outputs["name"]
        assert [p for p in run.of_type(ROLE_POLICY) if p.inputs["role"] == dbt_name] == []
        assert run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
        assert not image_roles(run)["dbt"].inputs.get("managedPolicyArns")


def test_nothing_may_delete_or_write_outside_raw_and_quarantine(program, variant):
    for run in (program, variant):
        for document in image_policies(run).values():
            for action, resource in allowed(document):
                if action in ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"):
                    assert resource in (f"{LAKE_ARN}/raw/*", f"{LAKE_ARN}/quarantine/*"), (action, resource)
