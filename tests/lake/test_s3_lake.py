"""The same extract code on s3://: the source bucket (keys with spaces) and the lake, against moto's server."""

from __future__ import annotations

import io
import uuid

import pyarrow.parquet as pq

from coretelecoms.extract.engine import RunContext
from coretelecoms.extract.sources import extract
from coretelecoms.lake.filesystem import locate
from coretelecoms.settings import Settings

HEADER = ",call ID,customeR iD,COMPLAINT_catego ry,agent ID,call_start_time,call_end_time,resolutionstatus,callLogsGenerationDate"


def test_extract_from_s3_source_into_s3_lake(s3_env, home):
    source, lake = f"src-{uuid.uuid4().hex[:8]}", f"lake-{uuid.uuid4().hex[:8]}"
    s3_env.create_bucket(Bucket=source)
    s3_env.create_bucket(Bucket=lake)
    body = "\n".join(
        [
            HEADER,
            "0,C0,u0,Payments,1001,2025-09-01 10:00:00,,Resolved,2025-11-20",
            "1,C1,u1,Payments,oops,,,Backlog,2025-11-20",
        ]
    )
    s3_env.put_object(Bucket=source, Key="call logs/call_logs_day_2025-11-20.csv", Body=body.encode())

    # Two rows, one bad: far above the quarantine-share limit, lifted here (its own tests are in tests/extract).
    settings = Settings(source_url=f"s3://{source}", lake_url=f"s3://{lake}/prod", max_quarantine_share=1.0)
    ctx = RunContext(
        lake=locate(settings.lake_url), day=__import__("datetime").date(2025, 11, 20), run_id="s3-test"
    )
    summary = extract("call-logs", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (2, 1, 1)
    assert summary.outputs == ["raw/call-logs/ingest_date=2025-11-20/part-00000.parquet"]  # lake-relative

    keys = sorted(o["Key"] for o in s3_env.list_objects_v2(Bucket=lake)["Contents"])
    assert keys == [
        "prod/quarantine/call-logs/ingest_date=2025-11-20/part-00000.parquet",
        "prod/raw/call-logs/ingest_date=2025-11-20/_manifest.json",
        "prod/raw/call-logs/ingest_date=2025-11-20/part-00000.parquet",
    ]
    head = s3_env.head_object(Bucket=lake, Key=keys[2])
    assert head["ServerSideEncryption"] == "aws:kms"
    assert s3_env.head_object(Bucket=lake, Key=keys[1])["ServerSideEncryption"] == "aws:kms"  # the manifest too
    data = s3_env.get_object(Bucket=lake, Key=keys[2])["Body"].read()
    assert pq.read_table(io.BytesIO(data)).column("call_id").to_pylist() == ["C0"]


def test_missing_s3_key_names_it_and_writes_nothing(s3_env, home):
    import datetime as dt

    import pytest

    from coretelecoms.common.errors import SourceMissingError

    source, lake = f"src-{uuid.uuid4().hex[:8]}", f"lake-{uuid.uuid4().hex[:8]}"
    s3_env.create_bucket(Bucket=source)
    s3_env.create_bucket(Bucket=lake)
    settings = Settings(source_url=f"s3://{source}", lake_url=f"s3://{lake}")
    ctx = RunContext(lake=locate(settings.lake_url), day=dt.date(2025, 11, 20), run_id="s3-test")
    with pytest.raises(
        SourceMissingError, match=rf"s3://{source}/social_medias/media_complaint_day_2025-11-20\.json"
    ):
        extract("social-media", settings, ctx)
    assert "Contents" not in s3_env.list_objects_v2(Bucket=lake)
