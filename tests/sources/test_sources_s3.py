"""The simulator writes an S3 bucket (a real S3 API: moto's server) exactly as it writes a folder."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sources_runs import run_sources

from coretelecoms.lake import filesystem, s3
from coretelecoms.sources import GenerateConfig, generate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3_client(moto_endpoint, monkeypatch):
    """Standard AWS variables pointing every S3 client at moto, with the cached clients reset around the test."""
    import boto3

    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()
    yield boto3.client("s3")
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()


def test_generate_into_s3(tmp_path, s3_client):
    client = s3_client
    client.create_bucket(Bucket="core-telecoms-data-lake")

    def in_s3(**options) -> dict:
        config = GenerateConfig(
            "s3://core-telecoms-data-lake/sim",
            tmp_path / "agents.xlsx",
            None,
            date(2025, 11, 20),
            2,
            scale=0.2,
            **options,
        )
        return generate(config)

    in_s3()  # a first run leaves a file the second must remove
    manifest = in_s3(missing_days={"call-logs": {date(2025, 11, 21)}})
    local = run_sources(
        tmp_path / "local",
        None,
        date(2025, 11, 20),
        2,
        scale=0.2,
        missing_days={"call-logs": {date(2025, 11, 21)}},
    )
    listed = client.list_objects_v2(Bucket="core-telecoms-data-lake", Prefix="sim/")["Contents"]
    keys = sorted(o["Key"].removeprefix("sim/") for o in listed)
    assert keys == sorted(str(p.relative_to(local.bucket)) for p in local.bucket.rglob("*") if p.is_file())
    assert (
        "call logs/call_logs_day_2025-11-20.csv" in keys
        and "call logs/call_logs_day_2025-11-21.csv" not in keys
    )
    for key in keys:
        body = client.get_object(Bucket="core-telecoms-data-lake", Key=f"sim/{key}")["Body"].read()
        assert body == (local.bucket / key).read_bytes(), key
    assert manifest == local.manifest
