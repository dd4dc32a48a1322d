"""Call-log CSVs: the leftover index column, BOM and CRLF, malformed rows quarantined with exact lines."""

from __future__ import annotations

import json

import pytest
from extract_helpers import CALL_HEADER, DAY, quarantined, read_partition, write_source

from coretelecoms.common.errors import SourceMissingError
from coretelecoms.extract.sources import extract

GOOD = "{i},C{i},11111111-1111-1111-1111-11111111111{d},Payments,1001,2025-09-01 10:00:00,2025-09-01 10:30:00,Resolved,2025-11-20"


def _rows(*lines: str) -> str:
    return "\r\n".join([CALL_HEADER, *lines]) + "\r\n"


def test_clean_file_lands_typed_with_lineage(settings, ctx):
    write_source(
        settings,
        "call logs/call_logs_day_2025-11-20.csv",
        "\ufeff" + _rows(GOOD.format(i=0, d=0), GOOD.format(i=1, d=1)),
    )
    summary = extract("call-logs", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (2, 2, 0)
    table = read_partition(settings, "raw", "call-logs")
    assert table.column_names[:8] == [
        "call_id", "customer_id", "complaint_category", "agent_id",
        "call_start_time", "call_end_time", "resolution_status", "generation_date",
    ]  # fmt: skip
    assert str(table.schema.field("agent_id").type) == "int64"
    assert str(table.schema.field("call_start_time").type) == "timestamp[us]"
    row = table.to_pylist()[0]
    assert row["call_id"] == "C0" and row["agent_id"] == 1001 and row["generation_date"] == DAY
    assert row["_run_id"] == "test-run" and row["_ingest_date"] == DAY
    assert row["_source"].endswith("call logs/call_logs_day_2025-11-20.csv")


def test_bad_rows_are_quarantined_with_reason_and_line(settings, ctx):
    lines = [
        GOOD.format(i=0, d=0),  # line 2
        "1,C1,u1,Payments,1001,2025-13-45 10:00:00,2025-09-01 10:30:00,Resolved,2025-11-20",  # 3: bad timestamp
        "2,C2,u2,Payments,A12,2025-09-01 10:00:00,,Resolved,2025-11-20",  # 4: non-integer agent
        "3,,u3,Payments,1001,2025-09-01 10:00:00,,Resolved,2025-11-20",  # 5: empty id
        "4,C4,u4,Payments,1001,2025-09-01 10:00:00,,Resolved,2025-11-20,extra",  # 6: too many fields
        "5,C5,u5,Payments",  # 7: too few fields
        "6,C6,u6, payments ,1001,2025-09-01 10:00:00,2025-09-01 09:00:00,RESOLVED,2025-11-20",  # 8: kept as is
        "7,C7,u7,Payments,1001,N/A,,Backlog,2025-11-20",  # 9: N/A timestamp
    ]
    write_source(settings, "call logs/call_logs_day_2025-11-20.csv", _rows(*lines))
    summary = extract("call-logs", settings, ctx)
    assert summary.rows_read == 8
    assert summary.rows_read == summary.rows_written + summary.rows_quarantined
    assert summary.rows_written == 2
    kept = read_partition(settings, "raw", "call-logs").to_pylist()
    assert [r["call_id"] for r in kept] == ["C0", "C6"]
    assert kept[1]["complaint_category"] == " payments " and kept[1]["resolution_status"] == "RESOLVED"
    assert kept[1]["call_end_time"] < kept[1]["call_start_time"]  # kept: dbt nulls its duration
    quarantine = {r["location"]: r for r in read_partition(settings, "quarantine", "call-logs").to_pylist()}
    assert set(quarantine) == {"line 3", "line 4", "line 5", "line 6", "line 7", "line 9"}
    assert "call_start_time '2025-13-45 10:00:00'" in quarantine["line 3"]["reason"]
    assert "agent_id 'A12' is not an integer" in quarantine["line 4"]["reason"]
    assert quarantine["line 5"]["reason"] == "empty call_id"
    assert quarantine["line 6"]["reason"] == "expected 9 fields, found 10"
    assert quarantine["line 7"]["raw_record"] == "5,C5,u5,Payments"
    assert json.loads(quarantine["line 9"]["raw_record"])["call_start_time"] == "N/A"
    assert {r["entity"] for r in quarantine.values()} == {"call-logs"}


def test_missing_file_names_the_key_and_writes_nothing(settings, ctx):
    with pytest.raises(SourceMissingError, match=r"call logs/call_logs_day_2025-11-20\.csv"):
        extract("call-logs", settings, ctx)
    assert not (settings.home / "lake" / "raw").exists()


def test_schema_drift_keeps_rows_and_reports_new_column(settings, ctx):
    header = CALL_HEADER + ",priority"
    text = "\n".join([header, GOOD.format(i=0, d=0) + ",high", GOOD.format(i=1, d=1) + ",low"]) + "\n"
    write_source(settings, "call logs/call_logs_day_2025-11-20.csv", text)
    summary = extract("call-logs", settings, ctx)
    assert summary.drift_columns == ["priority"]
    assert summary.rows_written == 2
    drift = read_partition(settings, "quarantine", "call-logs", "drift-00000.parquet").to_pylist()
    assert [d["priority"] for d in drift] == ["high", "low"]
    assert [d["location"] for d in drift] == ["line 2", "line 3"]


def test_rerun_is_idempotent_and_clears_stale_drift(settings, ctx):
    key = "call logs/call_logs_day_2025-11-20.csv"
    write_source(settings, key, "\n".join([CALL_HEADER + ",priority", GOOD.format(i=0, d=0) + ",x"]) + "\n")
    extract("call-logs", settings, ctx)
    write_source(settings, key, _rows(GOOD.format(i=0, d=0)))
    first = extract("call-logs", settings, ctx)
    data1 = read_partition(settings, "raw", "call-logs").drop_columns(["_ingested_at"])
    second = extract("call-logs", settings, ctx)
    data2 = read_partition(settings, "raw", "call-logs").drop_columns(["_ingested_at"])
    assert data1.equals(data2) and first.rows_written == second.rows_written == 1
    lake = settings.home / "lake"
    files = sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet"))
    assert files == [
        "quarantine/call-logs/ingest_date=2025-11-20/part-00000.parquet",
        "raw/call-logs/ingest_date=2025-11-20/part-00000.parquet",
    ]


def test_impossible_calendar_dates_and_loose_formats_are_quarantined(settings, ctx):
    lines = [
        "0,C0,u0,Payments,1001,2025-11-20 07:03:59,2025-02-30 08:15:00,Resolved,2025-11-20",  # Feb 30th
        "1,C1,u1,Payments,1001,2025-4-31 10:00:00,,Resolved,2025-11-20",  # unpadded and April 31st
        "2,C2,u2,Payments,1001,2025-11-20T10:00:00,,Resolved,2025-02-29",  # 2025 is no leap year
        "3,C3,u3,Payments,1001,2024-02-29 10:00:00,,Resolved,2024-02-29",  # 2024 is
    ]
    write_source(settings, "call logs/call_logs_day_2025-11-20.csv", _rows(*lines))
    summary = extract("call-logs", settings, ctx)
    assert (summary.rows_written, summary.rows_quarantined) == (1, 3)
    assert quarantined(settings, "call-logs") == {
        "line 2": "call_end_time '2025-02-30 08:15:00' is not a timestamp YYYY-MM-DD HH:MM:SS",
        "line 3": "call_start_time '2025-4-31 10:00:00' is not a timestamp YYYY-MM-DD HH:MM:SS",
        "line 4": "generation_date '2025-02-29' is not a date YYYY-MM-DD",
    }


def test_a_new_column_named_like_ours_does_not_clash(settings, ctx):
    text = "\n".join([CALL_HEADER + ",location", GOOD.format(i=0, d=0) + ",Lagos"]) + "\n"
    write_source(settings, "call logs/call_logs_day_2025-11-20.csv", text)
    assert extract("call-logs", settings, ctx).drift_columns == ["location"]
    drift = read_partition(settings, "quarantine", "call-logs", "drift-00000.parquet").to_pylist()
    assert (drift[0]["location"], drift[0]["extra:location"]) == ("line 2", "Lagos")
