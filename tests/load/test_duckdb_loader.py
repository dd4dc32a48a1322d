"""What only the DuckDB loader has: column types, a private warehouse file, a warehouse that cannot be opened."""

from __future__ import annotations

import stat
from datetime import date

import duckdb
import pytest
from lake_days import publish_day

from coretelecoms.common.entities import ENTITIES
from coretelecoms.common.errors import PipelineError
from coretelecoms.lake.filesystem import locate
from coretelecoms.load.warehouses import load
from coretelecoms.settings import Settings

D1 = date(2025, 11, 20)


def test_the_step_entry_loads_typed_tables_into_a_private_warehouse(home):
    settings = Settings(duckdb_path=home / "warehouse" / "ct.duckdb")
    publish_day(locate(settings.lake_url), D1, size=2)
    summary = load(settings, D1)  # what `coretelecoms load` and the local runner call
    assert summary.warehouse == f"duckdb:{settings.duckdb_path}" and summary.rows_loaded == 10
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'call_logs'"
            ).fetchall()
        )
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
        ).fetchall()
    assert types["agent_id"] == "BIGINT" and types["call_start_time"] == "TIMESTAMP"
    assert types["_loaded_at"] == "TIMESTAMP WITH TIME ZONE"
    assert [t for (t,) in tables] == sorted([*(e.table for e in ENTITIES.values()), "extract_manifests"])
    # The warehouse holds customer PII: readable by its owner only, in a folder the loader made private.
    assert stat.S_IMODE(settings.duckdb_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.duckdb_path.parent.stat().st_mode) == 0o700


def test_a_warehouse_that_cannot_be_opened_is_one_line(home):
    settings = Settings(duckdb_path=home / "warehouse.duckdb")
    publish_day(locate(settings.lake_url), D1, size=1)
    settings.duckdb_path.mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(
        PipelineError, match=r"^cannot open the DuckDB warehouse .*warehouse\.duckdb: "
    ) as info:
        load(settings, D1)
    assert "\n" not in str(info.value)
