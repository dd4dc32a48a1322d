"""The simulator writes an S3 bucket (a real S3 API: moto's server) exactly as it writes a folder."""

from __future__ import annotations

from datetime import date

from sources_runs import run_sources

from coretelecoms.simulator import GenerateConfig, generate


def test_generate_into_s3(tmp_path, s3_env):
    client = s3_env
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
