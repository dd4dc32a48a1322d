"""Shared fixtures: an isolated CORETELECOMS_HOME, and real servers per session (PostgreSQL, S3 via moto)."""

from __future__ import annotations

import pytest

from coretelecoms.common.postgres import postgres_dsn
from coretelecoms.settings import Settings
from local_servers import MOTO, serve


@pytest.fixture(scope="session")
def pg_dsn(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL 16 (pgserver) for the whole session."""
    with postgres_dsn(None, tmp_path_factory.mktemp("pg")) as dsn:
        yield dsn


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty CORETELECOMS_HOME; no CORETELECOMS_* variable leaks in from the environment."""
    import os

    for name in list(os.environ):
        if name.startswith("CORETELECOMS_"):
            monkeypatch.delenv(name)
    root = tmp_path / "ct"
    monkeypatch.setenv("CORETELECOMS_HOME", str(root))
    return root


@pytest.fixture
def settings(home, pg_dsn, monkeypatch) -> Settings:
    monkeypatch.setenv("CORETELECOMS_POSTGRES_DSN", pg_dsn)
    return Settings()


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real S3 API endpoint: moto's server on a free loopback port."""
    with serve(MOTO) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def s3_env(moto_endpoint, monkeypatch):
    """Standard AWS variables pointing every S3 client at moto; yields a boto3 client.

    The project caches its S3 clients per process, so the caches are reset around the test.
    """
    import boto3

    from coretelecoms.lake import filesystem, s3

    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()
    yield boto3.client("s3")
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()
