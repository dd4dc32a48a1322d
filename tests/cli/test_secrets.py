"""No secret in any output (issue 11.8): malformed DSNs, Snowflake and AWS credentials, logs at DEBUG included."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from coretelecoms.common.redact import MASK, dsn_secrets, redact


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once the socket is: connections are refused


def _cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CORETELECOMS_", "SNOWFLAKE_", "AWS_"))}
    return subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-level", "DEBUG", "--log-format", "json", *args],
        env={**base, "CORETELECOMS_HOME": str(home), **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


# (DSN, the secret in it, fragments of it that must not appear either)
MALFORMED_DSNS = [
    ("postgresql://ct:Hunter2Secret@[::1/db", ["Hunter2Secret"]),
    ("postgresql://ct:Hunter2%zzSecret@localhost/db", ["Hunter2%zzSecret", "zzSecret", "Hunter2"]),
    ("host=localhost password=Hunter2 Secret dbname=x", ["Hunter2 Secret", "Hunter2", '"Secret"']),
]


@pytest.mark.parametrize(("dsn", "fragments"), MALFORMED_DSNS)
@pytest.mark.parametrize("command", [["extract", "web-forms", "--date", "2025-11-20"],
                                     ["sources", "generate", "--start", "2025-11-20", "--days", "1", "--scale", "0.01"]])  # fmt: skip
def test_a_malformed_dsn_is_one_line_without_its_password(tmp_path, dsn, fragments, command):
    result = _cli(tmp_path, *command, CORETELECOMS_POSTGRES_DSN=dsn)
    assert result.returncode == 1, result.stderr
    output = result.stdout + result.stderr
    for fragment in fragments:
        assert fragment not in output, (fragment, output[-2000:])
    assert (
        result.stderr.strip().splitlines()[-1].startswith("error: CORETELECOMS_POSTGRES_DSN is not a valid")
    )


def test_an_unreachable_database_error_has_no_password(tmp_path):
    dsn = f"postgresql://ct:Hunter2Secret@127.0.0.1:{_closed_port()}/db"
    result = _cli(tmp_path, "extract", "web-forms", "--date", "2025-11-20", CORETELECOMS_POSTGRES_DSN=dsn)
    assert result.returncode == 1
    assert "Hunter2Secret" not in result.stdout + result.stderr
    assert "cannot connect to the web-forms PostgreSQL" in result.stderr


def _lake_with_one_partition(home: Path) -> None:
    bucket = home / "sources" / "bucket" / "customers"
    bucket.mkdir(parents=True)
    (bucket / "customers_dataset.csv").write_text(
        "customer_id,name,Gender,DATE of biRTH,signup_date,email,address\nc1,A,F,,,,\n"
    )
    done = _cli(home, "extract", "customers", "--date", "2025-11-20")
    assert done.returncode == 0, done.stderr


def test_snowflake_secrets_never_printed(tmp_path):
    _lake_with_one_partition(tmp_path)
    key = tmp_path / "rsa_key.p8"
    key.write_text(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nTm90QUtleUJ1dFNlY3JldEJ5dGVz\n-----END ENCRYPTED PRIVATE KEY-----\n"
    )
    secrets = {"SNOWFLAKE_PASSWORD": "Sn0wPassw0rd", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "KeyPassphrase9"}
    for extra in ({"SNOWFLAKE_PRIVATE_KEY_PATH": str(key)}, {}):
        result = _cli(
            tmp_path, "--warehouse", "snowflake", "load", "--date", "2025-11-20",
            SNOWFLAKE_ACCOUNT="acct", SNOWFLAKE_USER="loader", SNOWFLAKE_HOST="127.0.0.1",
            SNOWFLAKE_PORT=str(_closed_port()), SNOWFLAKE_PROTOCOL="http", SNOWFLAKE_LOGIN_TIMEOUT="3",
            SNOWFLAKE_STAGE_MODE="put", **secrets, **extra,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr[-2000:]
        output = result.stdout + result.stderr
        for value in [*secrets.values(), "Tm90QUtleUJ1dFNlY3JldEJ5dGVz"]:
            assert value not in output, (value, output[-2000:])
        assert result.stderr.strip().splitlines()[-1].startswith("error:")


def test_aws_secret_key_never_printed(tmp_path, moto_endpoint):
    """A real S3 API (moto) answering NoSuchBucket, with every AWS variable set and logs at DEBUG."""
    # Made at test time so nothing key-shaped is committed.
    access_key, secret_key, token = "TEST" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30), secrets.token_urlsafe(24)
    result = _cli(
        tmp_path, "extract", "customers", "--date", "2025-11-20",
        CORETELECOMS_SOURCE_URL="s3://ct-sources", AWS_ACCESS_KEY_ID=access_key,
        AWS_SECRET_ACCESS_KEY=secret_key, AWS_REGION="us-east-1",
        AWS_SESSION_TOKEN=token, AWS_ENDPOINT_URL=moto_endpoint,
        AWS_EC2_METADATA_DISABLED="true",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]
    for secret in (secret_key, token):
        assert secret not in result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error:")


def test_redact_masks_password_shapes_and_configured_values(monkeypatch):
    assert redact("at postgresql://ct:pw@[::1/db", []) == f"at postgresql://ct:{MASK}@[::1/db"
    assert redact("dsn host=x password='a b' port=1", []) == f"dsn host=x password={MASK} port=1"
    assert redact('{"private_key_passphrase": "xyz123"}', []) == f'{{"private_key_passphrase": {MASK}}}'
    assert dsn_secrets("host=x password=a b dbname=y") == ["a b"]
    assert dsn_secrets("postgresql://u:p%40ss@h/db") == ["p%40ss", "p@ss"]
    monkeypatch.setenv("SNOWFLAKE_PASSWORD", "Sn0wPassw0rd")
    monkeypatch.setenv("CORETELECOMS_POSTGRES_DSN", "host=x password=a b dbname=y")
    assert redact("bad token Sn0wPassw0rd near a b") == f"bad token {MASK} near {MASK}"
    assert redact("nothing secret here") == "nothing secret here"
