"""The production path end to end: S3 source bucket and lake (moto), web forms on PostgreSQL, Snowflake (fakesnow).

The same CLI steps the workflows run, configured only through the environment: sources generated into an
s3:// bucket in their real layouts, every entity extracted into an s3:// lake (SSE-KMS with the
configured key), each day loaded into Snowflake's RAW, the whole thing twice. The second pass must leave
RAW exactly as the first did. fakesnow cannot read S3, so the loader runs with SNOWFLAKE_STAGE_MODE=put
(the lake files PUT into a temporary internal stage); stock fakesnow, no patches.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, timedelta

import boto3
import psycopg2
import psycopg2.extensions
import pytest
import snowflake.connector

from coretelecoms.cli import cli
from coretelecoms.common.entities import ENTITIES
from coretelecoms.lake import filesystem, s3
from coretelecoms.simulator.generate import GenerateConfig, generate
from local_servers import FAKESNOW, MOTO, serve

START, DAYS = date(2026, 1, 5), 2  # dates no other test's sources use
DATES = [START + timedelta(days=i) for i in range(DAYS)]


@pytest.fixture(scope="module")
def moto_port():
    with serve(MOTO) as port:
        yield port


@pytest.fixture(scope="module")
def fakesnow_port():
    with serve(FAKESNOW) as port:
        yield port


@pytest.fixture
def web_forms_dsn(pg_dsn):
    """A database of this test's own for the generated web-form tables."""
    name = f"prodpath_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    yield psycopg2.extensions.make_dsn(**{**psycopg2.extensions.parse_dsn(pg_dsn), "dbname": name})
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()


@pytest.fixture
def production_env(home, moto_port, fakesnow_port, web_forms_dsn, monkeypatch):
    """Only the documented variables: standard AWS ones, CORETELECOMS_* and SNOWFLAKE_*."""
    for name in [n for n in os.environ if n.startswith("SNOWFLAKE_")]:
        monkeypatch.delenv(name)
    endpoint = f"http://127.0.0.1:{moto_port}"
    aws = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for name, value in aws.items():
        monkeypatch.setenv(name, value)
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()
    suffix = uuid.uuid4().hex[:8]
    source, lake = f"ct-sources-{suffix}", f"ct-lake-{suffix}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=source)
    client.create_bucket(Bucket=lake)
    kms_key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    database = f"CT_{suffix.upper()}"
    env = {
        "CORETELECOMS_SOURCE_URL": f"s3://{source}",
        "CORETELECOMS_LAKE_URL": f"s3://{lake}",
        "CORETELECOMS_LAKE_KMS_KEY_ID": kms_key,
        "CORETELECOMS_AGENTS_SHEET": str(home / "sources" / "agents.xlsx"),
        "CORETELECOMS_POSTGRES_DSN": web_forms_dsn,
        "CORETELECOMS_WAREHOUSE": "snowflake",
        "SNOWFLAKE_ACCOUNT": "fakesnow",
        "SNOWFLAKE_USER": "loader",
        "SNOWFLAKE_PASSWORD": "dev-only",
        "SNOWFLAKE_DATABASE": database,
        "SNOWFLAKE_HOST": "127.0.0.1",
        "SNOWFLAKE_PORT": str(fakesnow_port),
        "SNOWFLAKE_PROTOCOL": "http",
        "SNOWFLAKE_STAGE_MODE": "put",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield {"source": source, "lake": lake, "kms_key": kms_key, "database": database, "port": fakesnow_port}
    filesystem.s3_filesystem.cache_clear()
    s3.s3_client.cache_clear()


def _step(*argv: str):
    """One CLI step, in-process, reading its configuration from the environment like a container would."""
    return cli.main(args=["--log-level", "WARNING", *argv], standalone_mode=False, obj={})


def _raw_counts(env: dict) -> dict[tuple[str, date], int]:
    with (
        snowflake.connector.connect(
            account="fakesnow",
            user="reader",
            password="x",
            host="127.0.0.1",
            port=env["port"],
            protocol="http",
            database=env["database"],
        ) as con,
        con.cursor() as cur,
    ):
        counts = {}
        for entity in ENTITIES.values():
            cur.execute(
                f"SELECT _ingest_date, count(*), count(_loaded_at) FROM raw.{entity.table} GROUP BY 1 ORDER BY 1"
            )
            for day, rows, stamped in cur.fetchall():
                assert rows == stamped  # every loaded row carries its load time
                counts[(entity.table, day)] = rows
        return counts


def test_sources_to_raw_on_s3_and_snowflake_twice_with_identical_counts(production_env, home):
    env = production_env
    generate(
        GenerateConfig(
            source_url=f"s3://{env['source']}",
            agents_path=home / "sources" / "agents.xlsx",
            postgres_dsn=os.environ["CORETELECOMS_POSTGRES_DSN"],
            start=START,
            days=DAYS,
            scale=0.05,
            seed=11,
        )
    )
    keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=env["source"])["Contents"]}
    assert f"call logs/call_logs_day_{START}.csv" in keys  # the real layout, space included

    passes: list[dict[tuple[str, date], int]] = []
    for _ in range(2):
        written: dict[tuple[str, date], int] = {}
        for day in DATES:
            unchanged = set()
            for name, entity in ENTITIES.items():
                summary = _step("extract", name, "--date", day.isoformat())
                assert summary.rows_read == summary.rows_written + summary.rows_quarantined
                if summary.unchanged_since:  # a repeated snapshot is not stored again (SOURCES.md)
                    unchanged.add(name)
                else:
                    written[(entity.table, day)] = summary.rows_written
            loaded = _step("load", "--date", day.isoformat())
            assert {t.table for t in loaded.tables if t.unchanged_since} == {
                ENTITIES[n].table for n in unchanged
            }
            assert loaded.warehouse == f"snowflake:fakesnow/{env['database']}"
        counts = _raw_counts(env)
        assert counts == written  # RAW holds exactly what the extracts wrote, per table and date
        passes.append(counts)
    assert passes[0] == passes[1]
    snapshots = sum(e.snapshot for e in ENTITIES.values())  # delivered unchanged after the first day
    assert all(rows > 0 for rows in passes[0].values())
    assert len(passes[0]) == len(ENTITIES) * DAYS - snapshots * (DAYS - 1)

    lake_objects = boto3.client("s3").list_objects_v2(Bucket=env["lake"])["Contents"]
    assert {o["Key"].split("/")[1] for o in lake_objects if o["Key"].startswith("raw/")} == set(ENTITIES)
    head = boto3.client("s3").head_object(Bucket=env["lake"], Key=lake_objects[0]["Key"])
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == env["kms_key"]
