"""LakeStorage: KMS key, bucket hardening, the bucket policy and the lifecycle rules."""

from __future__ import annotations

import pytest

from pulumi_harness import assert_least_privilege, statements

BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
LAKE = "coretelecoms-test-lake"


@pytest.fixture(scope="module")
def key_arn(program):
    return program.one(KEY).outputs["arn"]


def test_customer_managed_key_rotates(program):
    key = program.one(KEY)
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] >= 7


def test_only_the_lake_bucket_is_created_and_the_source_is_only_referenced(program):
    assert [b.inputs["bucket"] for b in program.of_type(BUCKET)] == [LAKE]
    assert not any("coretelecoms-test-source" in str(r.inputs) for r in program.of_type(BUCKET))


def test_versioning_enabled(program):
    versioning = program.one("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["bucket"] == LAKE
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"


def test_sse_kms_with_the_lake_key_and_bucket_key(program, key_arn):
    encryption = program.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert encryption.inputs["bucket"] == LAKE
    (rule,) = encryption.inputs["rules"]
    default = rule["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == "aws:kms"
    assert default["kmsMasterKeyId"] == key_arn
    assert rule["bucketKeyEnabled"] is True


def test_all_four_public_access_blocks(program):
    block = program.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert block.inputs["bucket"] == LAKE
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block.inputs.get(flag) is True, flag


def test_bucket_owner_enforced(program):
    ownership = program.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["bucket"] == LAKE
    assert ownership.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"


@pytest.fixture(scope="module")
def bucket_policy(program):
    return program.one("aws:s3/bucketPolicy:BucketPolicy")


def _denies(document):
    return {s["Sid"]: s for s in statements(document) if s["Effect"] == "Deny"}


def test_bucket_policy_denies_plain_http_for_every_action(program, bucket_policy):
    document = program.policy(bucket_policy)
    lake_arn = program.one(BUCKET).outputs["arn"]
    (deny,) = [s for s in _denies(document).values() if "aws:SecureTransport" in str(s.get("Condition"))]
    assert deny["Principal"] == "*"
    assert deny["Action"] in ("s3:*", ["s3:*"])
    assert sorted(deny["Resource"]) == sorted([lake_arn, f"{lake_arn}/*"])
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_bucket_policy_denies_uploads_not_encrypted_with_the_lake_key(program, bucket_policy, key_arn):
    document = program.policy(bucket_policy)
    lake_objects = program.one(BUCKET).outputs["arn"] + "/*"
    conditions = {}
    for deny in _denies(document).values():
        if "s3:PutObject" in deny["Action"] and deny["Resource"] == lake_objects:
            for operator, pairs in deny["Condition"].items():
                for condition_key, value in pairs.items():
                    conditions[condition_key] = (operator, value)
    assert conditions["s3:x-amz-server-side-encryption"] == ("StringNotEqualsIfExists", "aws:kms")
    assert conditions["s3:x-amz-server-side-encryption-aws-kms-key-id"] == (
        "StringNotEqualsIfExists",
        key_arn,
    )


def test_bucket_policy_grants_nothing(program, bucket_policy):
    document = program.policy(bucket_policy)
    assert [s for s in statements(document) if s["Effect"] == "Allow"] == []
    assert_least_privilege(document)


def test_bucket_policy_waits_for_the_public_access_block(program, bucket_policy):
    block = program.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert block.urn in bucket_policy.dependencies


@pytest.fixture(scope="module")
def lifecycle_rules(program):
    rules = program.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert all(rule["status"] == "Enabled" for rule in rules)
    return rules


def _rules_for(rules, prefix):
    return [r for r in rules if r.get("filter", {}).get("prefix") == prefix]


def test_raw_moves_to_infrequent_access_after_30_days(lifecycle_rules):
    (rule,) = _rules_for(lifecycle_rules, "raw/")
    assert rule["transitions"] == [{"storageClass": "STANDARD_IA", "days": 30}]
    assert "expiration" not in rule  # raw data is the system of record: it moves, it never expires


def test_quarantine_expires_after_90_days(lifecycle_rules):
    (rule,) = _rules_for(lifecycle_rules, "quarantine/")
    assert rule["expiration"] == {"days": 90}


def test_old_versions_expire_bucket_wide(lifecycle_rules):
    (rule,) = _rules_for(lifecycle_rules, "")
    assert 0 < rule["noncurrentVersionExpiration"]["noncurrentDays"] <= 90
    assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] > 0


def test_no_lifecycle_rule_touches_current_raw_objects_except_the_transition(lifecycle_rules):
    for rule in lifecycle_rules:
        if rule.get("filter", {}).get("prefix") in ("", "raw/"):
            assert "expiration" not in rule, rule["id"]


def test_key_and_bucket_are_protected_unless_the_stack_opts_out(program, variant):
    assert program.one(KEY).protect and program.one(BUCKET).protect
    assert not variant.one(KEY).protect and not variant.one(BUCKET).protect
