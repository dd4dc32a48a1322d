"""Fixtures for the Pulumi program's tests: a valid stack configuration and the program run once under mocks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Tests import the real components from pulumi/, and the harness that sits beside this file.
HERE = Path(__file__).resolve().parent
for folder in (HERE.parents[1] / "pulumi", HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import pulumi  # noqa: E402

from pulumi_harness import (  # noqa: E402
    OIDC_ARN,
    PROJECT,
    REGION,
    STACK,
    VARIANT_KMS,
    InfraMocks,
    Program,
    generate_public_key,
    infra_config,
    run_program,
    with_changes,
)


@pytest.fixture(scope="session")
def key_pairs() -> dict[str, tuple[str, str]]:
    """Fresh RSA key pairs (public PEM, private PEM) generated at test time; no key material in git."""
    return {"loader": generate_public_key(), "transformer": generate_public_key()}


@pytest.fixture(scope="session")
def base_config(key_pairs: dict[str, tuple[str, str]]) -> dict[str, str]:
    """A complete, valid stack configuration in the form `pulumi config` hands to the program."""
    return {
        "aws:region": REGION,
        f"{PROJECT}:lakeBucketName": "coretelecoms-test-lake",
        f"{PROJECT}:sourceBucketName": "coretelecoms-test-source",
        f"{PROJECT}:oidcProviderArn": OIDC_ARN,
        f"{PROJECT}:snowflakeLoaderPublicKey": key_pairs["loader"][0],
        f"{PROJECT}:snowflakeTransformerPublicKey": key_pairs["transformer"][0],
    }


@pytest.fixture(scope="session")
def program(base_config: dict[str, str]) -> Program:
    """The default stack, run once; tests only read it."""
    return run_program(base_config)


@pytest.fixture(scope="session")
def variant(base_config: dict[str, str]) -> Program:
    """A stack with every optional setting changed, to show each one really flows through."""
    return run_program(
        with_changes(
            base_config,
            namespace="pipelines",
            serviceAccounts='{"extract-files": "files-sa", "loader": "loader-sa"}',
            loaderLakeAccess="read",
            sourceBucketKmsKeyArn=VARIANT_KMS,
            protectData="false",
            snowflakeStage="LANDING_STAGE",
            snowflakeDatabase="CT_PROD",
            snowflakeLakeRoleName="ct-prod-snowflake",
            snowflakeAutoSuspendSeconds="120",
            snowflakeCreditQuota="42",
            **{"snowflake:organizationName": "MYORG", "snowflake:accountName": "CT_PROD"},
        ),
        stack="prod",
    )


@pytest.fixture
def load_config(base_config: dict[str, str]) -> Callable[..., infra_config.StackConfig]:
    """Run config.load() against the base configuration with some keys changed."""

    def load(**changes: str | None) -> infra_config.StackConfig:
        pulumi.runtime.set_mocks(InfraMocks(), project=PROJECT, stack=STACK, preview=False)
        pulumi.runtime.set_all_config(with_changes(base_config, **changes), [])
        return infra_config.load()

    return load
