"""`coretelecoms run` twice for the same date leaves the same lake, RAW tables and marts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

# Per-run lineage: which run wrote a row and when it was ingested, published (the partition manifest) and
# loaded (in the marts: when its source rows were loaded, and which build wrote them). Everything else must be identical.
VOLATILE = {"_ingested_at", "_run_id", "_loaded_at", "_built_at", "source_loaded_at", "run_id", "published_at"}


def _cli(home: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    env["CORETELECOMS_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--log-level", "WARNING", *args],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


def _lake(home: Path) -> dict:
    lake = home / "lake"
    return {
        p.relative_to(lake).as_posix(): pq.read_table(p).drop_columns(
            [c for c in pq.read_schema(p).names if c in VOLATILE]
        )
        for p in sorted(lake.rglob("*.parquet"))
        if "_tmp" not in p.parts
    }


def _tables(home: Path) -> dict:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        names = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'marts') ORDER BY 1, 2"
        ).fetchall()
        out = {}
        for schema, table in names:
            columns = [
                c for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                    "ORDER BY ordinal_position", [schema, table],
                ).fetchall() if c not in VOLATILE
            ]  # fmt: skip
            select = ", ".join(f'"{c}"' for c in columns)
            out[f"{schema}.{table}"] = con.execute(
                f"SELECT {select} FROM {schema}.{table} ORDER BY ALL"
            ).fetchall()
        return out


@pytest.mark.slow
def test_run_twice_changes_nothing(tmp_path):
    home = tmp_path / "home"
    _cli(home, "sources", "generate", "--start", "2025-11-20", "--days", "2", "--scale", "1")
    _cli(home, "run", "--start", "2025-11-20", "--end", "2025-11-21")
    lake, tables = _lake(home), _tables(home)
    assert "raw.call_logs" in tables and "marts.fct_complaints" in tables
    assert len(tables["marts.fct_complaints"]) > 0
    _cli(home, "run", "--date", "2025-11-21")
    _cli(home, "run", "--date", "2025-11-20")
    assert _lake(home).keys() == lake.keys()
    for name, table in _lake(home).items():
        assert table.to_pylist() == lake[name].to_pylist(), name
    assert _tables(home) == tables
