"""DuckDB loader: RAW tables typed from the Arrow schemas, one copy per date however often it is re-run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from coretelecoms.common.entities import CALL_LOGS, ENTITIES
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import locate
from coretelecoms.lake.writer import ParquetPublisher
from coretelecoms.load.registry import load

D1, D2 = date(2025, 11, 20), date(2025, 11, 21)


def _write_call_logs(settings, day: date, ids: list[str]) -> None:
    lake = locate(settings.lake_url)
    n = len(ids)
    columns = {f.name: pa.nulls(n, f.type) for f in CALL_LOGS.schema}
    columns["call_id"] = pa.array(ids)
    columns["agent_id"] = pa.array([1001] * n, pa.int64())
    columns["_ingested_at"] = pa.array(
        [pa.scalar(0, pa.timestamp("us", tz="UTC")).as_py()] * n, pa.timestamp("us", tz="UTC")
    )
    columns["_source"] = pa.array(["test"] * n)
    columns["_run_id"] = pa.array(["r"] * n)
    columns["_ingest_date"] = pa.array([day] * n, pa.date32())
    table = pa.table(columns, schema=CALL_LOGS.schema)
    with ParquetPublisher(lake, layout.data_file(lake, CALL_LOGS.name, day), CALL_LOGS.schema) as writer:
        writer.write(table)
        writer.publish()


def _count(path: Path, sql: str):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_reload_keeps_exactly_one_copy(home):
    from coretelecoms.settings import Settings

    settings = Settings()
    _write_call_logs(settings, D1, ["a", "b"])
    first = load(settings, D1)
    assert [(t.table, t.rows) for t in first.tables] == [("call_logs", 2)]
    assert sorted(first.missing) == sorted(e for e in ENTITIES if e != "call-logs")
    load(settings, D1)
    _write_call_logs(settings, D2, ["c"])
    load(settings, D2)
    rows = _count(
        settings.duckdb_path, "SELECT _ingest_date, count(*) FROM raw.call_logs GROUP BY 1 ORDER BY 1"
    )
    assert rows == [(D1, 2), (D2, 1)]
    # a re-extracted day replaces that day's rows only
    _write_call_logs(settings, D1, ["a"])
    load(settings, D1)
    assert _count(settings.duckdb_path, "SELECT call_id FROM raw.call_logs ORDER BY 1") == [("a",), ("c",)]
    types = dict(
        _count(
            settings.duckdb_path,
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'call_logs'",
        )
    )
    assert types["agent_id"] == "BIGINT" and types["call_start_time"] == "TIMESTAMP"
    assert types["_loaded_at"] == "TIMESTAMP WITH TIME ZONE"
    tables = _count(
        settings.duckdb_path,
        "SELECT table_name FROM information_schema.tables WHERE table_schema='raw' ORDER BY 1",
    )
    assert [t for (t,) in tables] == sorted(e.table for e in ENTITIES.values())


def test_a_failing_load_leaves_the_previous_state(home, monkeypatch):
    from coretelecoms.load import duckdb as loader
    from coretelecoms.settings import Settings

    settings = Settings()
    _write_call_logs(settings, D1, ["a", "b"])
    load(settings, D1)

    def broken(files):
        raise RuntimeError("disk vanished")

    monkeypatch.setattr(loader, "_batches", broken)
    with pytest.raises(RuntimeError):
        load(settings, D1)
    assert _count(settings.duckdb_path, "SELECT count(*) FROM raw.call_logs") == [(2,)]
