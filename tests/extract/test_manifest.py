"""The partition manifest: the commit marker of an extract, written last, read back by every reader."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
from extract_helpers import CALL_HEADER, DAY, write_source

from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.sources import extract
from coretelecoms.lake.filesystem import locate
from coretelecoms.lake.manifest import (
    PartitionManifest,
    latest_manifest_before,
    manifest_location,
    read_manifest,
    remove_manifest,
    write_manifest,
)

FIELDS = {
    "entity", "date", "run_id", "source", "rows_read", "rows_written", "rows_quarantined", "quarantine_reasons",
    "drift_columns", "outputs", "quarantine", "fingerprint", "unchanged_since", "published_at",
}  # fmt: skip
CALLS = "call logs/call_logs_day_2025-11-20.csv"
CALL_ROWS = [
    "0,C1,u1,Payments,1001,2025-11-19 10:00:00,2025-11-19 10:05:00,Resolved,2025-11-20",
    "1,C2,u2,Payments,oops,2025-11-19 10:00:00,2025-11-19 10:05:00,Resolved,2025-11-20",
]


def test_round_trip_with_exactly_the_contract_fields(tmp_path):
    lake = locate(tmp_path.as_uri())
    assert read_manifest(lake, "agents", DAY) is None
    manifest = PartitionManifest(entity="agents", date="2025-11-20", run_id="r", rows_read=3, rows_written=3)
    write_manifest(lake, manifest)
    path = Path(manifest_location(lake, "agents", DAY).path)
    assert path == tmp_path / "raw/agents/ingest_date=2025-11-20/_manifest.json"
    assert set(json.loads(path.read_text())) == FIELDS
    back = read_manifest(lake, "agents", DAY)
    assert back == manifest and back.published_at  # stamped when written
    remove_manifest(lake, "agents", DAY)
    remove_manifest(lake, "agents", DAY)  # removing an absent manifest is fine (a first run)
    assert read_manifest(lake, "agents", DAY) is None


def test_latest_manifest_before_skips_unpublished_and_later_partitions(tmp_path):
    lake = locate(tmp_path.as_uri())
    for day in (dt.date(2025, 11, 18), dt.date(2025, 11, 20), dt.date(2025, 11, 22)):
        write_manifest(lake, PartitionManifest(entity="customers", date=day.isoformat(), rows_read=day.day))
    (tmp_path / "raw/customers/ingest_date=2025-11-21").mkdir()  # a partition whose publish was killed
    (tmp_path / "raw/customers/not-a-partition").mkdir()
    assert latest_manifest_before(lake, "customers", dt.date(2025, 11, 22)).date == "2025-11-20"
    assert latest_manifest_before(lake, "customers", dt.date(2025, 11, 20)).date == "2025-11-18"
    assert latest_manifest_before(lake, "customers", dt.date(2025, 11, 18)) is None
    assert latest_manifest_before(lake, "agents", DAY) is None


def test_a_broken_manifest_is_one_clear_line(tmp_path):
    lake = locate(tmp_path.as_uri())
    path = Path(manifest_location(lake, "agents", DAY).path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(PipelineError, match=r"_manifest\.json: not a partition manifest"):
        read_manifest(lake, "agents", DAY)


def test_extract_writes_the_manifest_last_naming_every_file(settings, ctx):
    write_source(settings, CALLS, "\n".join([CALL_HEADER, *CALL_ROWS]) + "\n")
    summary = extract("call-logs", settings, ctx)
    lake = Path(ctx.lake.path)
    manifest = read_manifest(ctx.lake, "call-logs", DAY)
    assert manifest == summary
    assert manifest.outputs == ["raw/call-logs/ingest_date=2025-11-20/part-00000.parquet"]
    assert manifest.quarantine == ["quarantine/call-logs/ingest_date=2025-11-20/part-00000.parquet"]
    assert manifest.quarantine_reasons == {"agent_id is not an integer": 1}
    assert (manifest.rows_read, manifest.rows_written, manifest.rows_quarantined) == (2, 1, 1)
    assert manifest.fingerprint is None and manifest.unchanged_since is None  # a daily source
    written = [(lake / key).stat().st_mtime_ns for key in manifest.outputs + manifest.quarantine]
    assert (lake / "raw/call-logs/ingest_date=2025-11-20/_manifest.json").stat().st_mtime_ns >= max(written)


def test_a_failed_rerun_leaves_the_published_partition_whole(settings, ctx):
    write_source(settings, CALLS, "\n".join([CALL_HEADER, *CALL_ROWS]) + "\n")
    first = extract("call-logs", settings, ctx)
    write_source(settings, CALLS, "call ID\nC1\n")  # the header lost its columns: refused before publishing
    with pytest.raises(PipelineError, match="missing column"):
        extract("call-logs", settings, ctx)
    assert read_manifest(ctx.lake, "call-logs", DAY) == first


def test_leftovers_of_a_killed_run_are_cleared_by_the_next(settings, ctx):
    stale = Path(ctx.lake.path) / "_tmp" / "call-logs" / "2025-11-20" / "dead.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half a file")
    other = Path(ctx.lake.path) / "_tmp" / "call-logs" / "2025-11-21" / "running.parquet"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"another partition's extract, still running")
    write_source(settings, CALLS, "\n".join([CALL_HEADER, *CALL_ROWS]) + "\n")
    extract("call-logs", settings, ctx)
    assert not stale.exists()
    assert other.exists()


def test_abandoned_spill_folders_in_the_system_temp_are_cleared(settings, ctx, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "systemp"))
    (tmp_path / "systemp").mkdir()
    stale = tmp_path / "systemp" / "coretelecoms-json-dead"
    stale.mkdir()
    (stale / "0.arrow").write_bytes(b"spilled column")
    fresh = tmp_path / "systemp" / "coretelecoms-json-running"  # another process's, in use right now
    fresh.mkdir()
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    write_source(settings, CALLS, "\n".join([CALL_HEADER, *CALL_ROWS]) + "\n")
    extract("call-logs", settings, ctx)
    assert not stale.exists() and fresh.exists()


def test_a_failure_between_two_publishes_leaves_the_partition_invisible_until_a_rerun(
    settings, ctx, monkeypatch
):
    from coretelecoms.lake import writer

    write_source(settings, CALLS, "\n".join([CALL_HEADER, *CALL_ROWS]) + "\n")
    first = extract("call-logs", settings, ctx)
    real_publish = writer.ParquetPublisher.publish

    def publish_then_lose_the_connection(self):
        real_publish(self)
        if "quarantine" not in self.target.path:
            raise OSError("connection lost after the data file")  # data moved, quarantine not yet

    monkeypatch.setattr(writer.ParquetPublisher, "publish", publish_then_lose_the_connection)
    with pytest.raises(OSError):
        extract("call-logs", settings, ctx)
    assert read_manifest(ctx.lake, "call-logs", DAY) is None  # no reader sees data without its quarantine
    monkeypatch.setattr(writer.ParquetPublisher, "publish", real_publish)
    again = extract("call-logs", settings, ctx)
    assert {**vars(again), "published_at": "", "run_id": ""} == {
        **vars(first),
        "published_at": "",
        "run_id": "",
    }
