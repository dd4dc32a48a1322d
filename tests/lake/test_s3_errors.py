"""Every S3 failure is one line naming bucket and key, for pyarrow's client and boto3's, and none hangs.

Real endpoints only: moto's server (a missing bucket; with IAM checks on, an unknown access key), a port
nobody listens on (endpoint down), and a socket that accepts connections and never answers (frozen).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from coretelecoms.common.errors import PipelineError
from coretelecoms.lake import filesystem, s3
from coretelecoms.lake.filesystem import lake_errors, locate
from local_servers import MOTO, free_port, serve

KEY = "raw/call-logs/ingest_date=2025-11-20/part-00000.parquet"


@pytest.fixture
def aws(monkeypatch):
    """Standard AWS variables with no endpoint yet; the project's S3 client caches reset around the test."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY": "very-secret-value",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)

    def point_at(endpoint: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        filesystem.s3_filesystem.cache_clear()
        s3.s3_client.cache_clear()

    yield point_at
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()


def _failures(bucket: str, tmp_path: Path) -> dict[str, str]:
    """The one-line errors of a pyarrow read, a pyarrow lookup and a boto3 upload of the same key."""
    target = locate(f"s3://{bucket}/{KEY}")
    local = tmp_path / "part.parquet"
    local.write_bytes(b"PAR1")

    def read():
        with lake_errors(target, "reading"):
            target.fs.open_input_file(target.path).read()

    calls = {
        "arrow read": read,
        "arrow lookup": target.exists,
        "boto3 upload": lambda: s3.upload_file(local, target, kms_key_id=None),
    }

    def outcome(call) -> str:
        try:
            call()
        except PipelineError as exc:
            return str(exc)
        except FileNotFoundError:  # for the caller to handle (a missing source is its own error)
            return "not found"
        return "no error"

    with ThreadPoolExecutor(len(calls)) as pool:  # concurrently: a frozen endpoint costs its timeout once
        return dict(zip(calls, pool.map(outcome, calls.values()), strict=True))


def _assert_one_line(message: str, bucket: str, *expected: str) -> None:
    assert "\n" not in message and "unexpected" not in message
    assert f"s3://{bucket}/{KEY}" in message, message
    assert "very-secret-value" not in message
    for text in expected:
        assert text in message, message


def test_frozen_endpoint_fails_within_half_a_minute(aws, tmp_path):
    frozen = socket.create_server(("127.0.0.1", 0))  # the kernel accepts; nobody ever answers
    aws(f"http://127.0.0.1:{frozen.getsockname()[1]}")
    started = time.monotonic()
    try:
        failures = _failures("lake", tmp_path)
    finally:
        frozen.close()
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"a frozen S3 endpoint took {elapsed:.0f} s to fail"
    for message in failures.values():
        _assert_one_line(message, "lake", "check AWS_ENDPOINT_URL")


def test_endpoint_down_names_bucket_key_and_the_endpoint_setting(aws, tmp_path):
    aws(f"http://127.0.0.1:{free_port()}")
    for message in _failures("lake", tmp_path).values():
        _assert_one_line(message, "lake", "check AWS_ENDPOINT_URL")


def test_missing_bucket_is_named(aws, moto_endpoint, tmp_path):
    aws(moto_endpoint)
    failures = _failures("no-such-bucket", tmp_path)
    _assert_one_line(failures["boto3 upload"], "no-such-bucket", "NoSuchBucket")
    # pyarrow: a key in a missing bucket simply does not exist.
    assert (failures["arrow lookup"], failures["arrow read"]) == ("no error", "not found")


def test_unknown_access_key_is_named(aws, tmp_path, monkeypatch):
    monkeypatch.setenv("INITIAL_NO_AUTH_ACTION_COUNT", "0")  # moto checks credentials from the first call
    with serve(MOTO) as port:
        aws(f"http://127.0.0.1:{port}")
        failures = _failures("lake", tmp_path)
    _assert_one_line(failures["boto3 upload"], "lake", "InvalidAccessKeyId", "check AWS credentials")
    for name in ("arrow read", "arrow lookup"):  # S3 answers a HEAD 403 without a body: no code to name
        _assert_one_line(failures[name], "lake", "ACCESS_DENIED", "check AWS credentials")


@pytest.mark.parametrize(
    "argv",
    [("load", "--date", "2025-11-20"), ("extract", "call-logs", "--date", "2025-11-20")],
    ids=["load", "extract"],
)
def test_cli_prints_one_line_for_an_s3_failure(tmp_path, argv):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CORETELECOMS_", "AWS_"))}
    env.update(
        CORETELECOMS_HOME=str(tmp_path / "home"),
        CORETELECOMS_LAKE_URL="s3://lake/prod",
        CORETELECOMS_SOURCE_URL="s3://lake/prod",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",  # nothing listens
        AWS_ACCESS_KEY_ID="AKIAEXAMPLEKEY",
        AWS_SECRET_ACCESS_KEY="very-secret-value",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    result = subprocess.run(
        [sys.executable, "-m", "coretelecoms", *argv],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "s3://lake/prod/" in lines[0] and "unexpected" not in lines[0], lines[0]
    assert "very-secret-value" not in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file://lake/data", "names host 'lake'"),
        ("file://example.com/tmp/lake", "names host 'example.com'"),
        ("s3://", "has no bucket"),
        ("s3:///prefix", "has no bucket"),
        ("file:relative/lake", "no absolute path"),
        ("gs://bucket", "unsupported URL scheme"),
    ],
)
def test_urls_mean_what_they_say(url, expected):
    with pytest.raises(PipelineError, match=expected) as info:
        locate(url)
    assert "\n" not in str(info.value)


def test_file_urls_without_host_or_with_localhost_are_the_same_path(tmp_path):
    assert locate(f"file://{tmp_path}").path == locate(f"file://localhost{tmp_path}").path == str(tmp_path)
