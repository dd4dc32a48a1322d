"""config.py: defaults, validation, and one clear line for every bad or missing stack setting."""

from __future__ import annotations

import ast
from pathlib import Path

import pulumi
import pytest

from pulumi_harness import OIDC_ISSUER, PULUMI_DIR, infra_config, run_program, with_changes

StackConfigError = infra_config.StackConfigError


def test_defaults(load_config):
    cfg = load_config()
    assert cfg.namespace == "coretelecoms"
    assert cfg.service_accounts == {image: image for image in infra_config.IMAGES}
    assert cfg.loader_lake_access == "none"
    assert cfg.protect_data is True
    assert cfg.snowflake.stage_qualified == "RAW.LAKE_STAGE"
    assert cfg.snowflake.storage_integration == "CORETELECOMS_LAKE_TEST"  # account-level: stack in the name
    assert cfg.snowflake_lake_role_name == "coretelecoms-test-snowflake-lake"
    assert cfg.oidc_issuer == OIDC_ISSUER
    assert cfg.source_kms_key_arn is None
    assert cfg.snowflake_account is None


def test_images_match_the_step_registry():
    """One IAM role per image in the pipeline's own registry; drift would leave an image without identity."""
    steps = pytest.importorskip("coretelecoms.pipeline.steps")
    assert set(infra_config.IMAGES) == set(steps.IMAGES)


def test_public_key_pem_and_bare_body_normalise_alike(load_config, key_pairs):
    pem = key_pairs["loader"][0]
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    assert load_config().loader_public_key == body
    assert load_config(snowflakeLoaderPublicKey=body).loader_public_key == body
    assert "\n" not in body


@pytest.mark.parametrize(
    "key",
    [
        "aws:region",
        "lakeBucketName",
        "sourceBucketName",
        "oidcProviderArn",
        "snowflakeLoaderPublicKey",
        "snowflakeTransformerPublicKey",
    ],
)
def test_missing_required_key_names_it_and_how_to_set_it(load_config, key):
    with pytest.raises(StackConfigError) as err:
        load_config(**{key: None})
    message = str(err.value)
    assert "\n" not in message
    assert f"{key if ':' in key else 'coretelecoms:' + key} is missing" in message
    assert f"pulumi config set {key}" in message


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("aws:region", "Ireland", "aws:region is not valid"),
        ("lakeBucketName", "Lake_Bucket", "lakeBucketName is not valid"),
        ("sourceBucketName", "s3://source", "sourceBucketName is not valid"),
        ("oidcProviderArn", "oidc.eks.eu-west-1.amazonaws.com/id/X", "oidcProviderArn is not valid"),
        ("oidcProviderArn", "arn:aws:iam::123:oidc-provider/x", "oidcProviderArn is not valid"),
        ("sourceBucketKmsKeyArn", "alias/source", "sourceBucketKmsKeyArn is not valid"),
        ("namespace", "Core_Telecoms", "namespace is not valid"),
        ("serviceAccounts", "not json", "serviceAccounts must be a map"),
        ("serviceAccounts", '["loader"]', "serviceAccounts must be a map"),
        ("serviceAccounts", '{"airflow": "x"}', "serviceAccounts names unknown images ['airflow']"),
        ("serviceAccounts", '{"loader": "Loader SA"}', "serviceAccounts has an invalid Kubernetes name"),
        ("loaderLakeAccess", "write", "loaderLakeAccess must be one of ['none', 'read']"),
        ("protectData", "yes", "protectData must be true or false"),
        ("snowflakeCreditQuota", "lots", "snowflakeCreditQuota must be a whole number"),
        ("snowflakeCreditQuota", "0", "snowflakeCreditQuota must be between 1 and 10000"),
        ("snowflakeAutoSuspendSeconds", "5", "snowflakeAutoSuspendSeconds must be between 60 and 3600"),
        ("snowflakeStage", "lake_stage", "snowflakeStage is not valid"),
        ("snowflakeDatabase", "CORE-TELECOMS", "snowflakeDatabase is not valid"),
        ("snowflakeReporterRole", "LOADER", "role names must all differ"),
        ("snowflakeLakeRoleName", "role with spaces", "snowflakeLakeRoleName is not valid"),
        (
            "snowflakeLoaderPublicKey",
            "not base64!",
            "snowflakeLoaderPublicKey is not a base64 RSA public key",
        ),
        (
            "snowflakeTransformerPublicKey",
            "aGVsbG8gd29ybGQ=",
            "snowflakeTransformerPublicKey is not an RSA public key",
        ),
    ],
)
def test_bad_value_gives_one_line_naming_the_key(load_config, key, value, expected):
    with pytest.raises(StackConfigError) as err:
        load_config(**{key: value})
    message = str(err.value)
    assert "\n" not in message
    assert expected in message


def test_private_key_is_refused_without_echoing_it(load_config, key_pairs):
    private_pem = key_pairs["loader"][1]
    with pytest.raises(StackConfigError) as err:
        load_config(snowflakeLoaderPublicKey=private_pem)
    message = str(err.value)
    assert "PRIVATE key" in message and "\n" not in message
    body_line = private_pem.splitlines()[1]
    assert body_line not in message


def test_config_error_is_a_run_error_so_the_cli_prints_only_the_message():
    # The Python language host prints a RunError's message alone, without the traceback.
    assert issubclass(StackConfigError, pulumi.RunError)


def test_program_stops_on_bad_config_before_creating_anything(base_config):
    with pytest.raises(StackConfigError, match="lakeBucketName is missing"):
        run_program(with_changes(base_config, lakeBucketName=None))


def test_config_py_is_the_only_reader_of_pulumi_config():
    readers = []
    for path in sorted(PULUMI_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "Config" and path.name != "config.py":
                readers.append(f"{path.name}:{node.lineno}")
    assert readers == []


def test_every_module_opens_with_a_one_line_docstring():
    for path in sorted([*PULUMI_DIR.glob("*.py"), *Path(__file__).parent.glob("*.py")]):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc, f"{path.name} has no module docstring"
        assert "\n" not in doc.split("\n\n")[0], f"{path.name}: first docstring paragraph is not one line"


def test_every_problem_is_named_in_one_line(load_config):
    with pytest.raises(StackConfigError) as err:
        load_config(lakeBucketName=None, namespace="Core_Telecoms", snowflakeCreditQuota="0")
    message = str(err.value)
    assert "\n" not in message
    assert "lakeBucketName is missing" in message
    assert "namespace is not valid: 'Core_Telecoms' (Kubernetes namespace name)" in message
    assert "snowflakeCreditQuota must be between 1 and 10000, got 0" in message


def test_the_model_is_immutable_and_reads_booleans_case_insensitively(load_config):
    cfg = load_config(protectData="FALSE")
    assert cfg.protect_data is False
    with pytest.raises(ValueError, match="frozen"):
        cfg.namespace = "other"  # type: ignore[misc]


def test_every_key_is_a_model_field_alias():
    """KEYS is derived from the model, so a field cannot be read without being listed (and documented)."""
    aliases = {
        f.alias
        for m in (infra_config.StackConfig, infra_config.SnowflakeNames)
        for f in m.model_fields.values()
    }
    assert set(infra_config.KEYS) <= aliases
    assert {"lakeBucketName", "snowflakeParentRole", "protectData"} <= set(infra_config.KEYS)
