"""Helpers for the dbt tests: settings for a test warehouse, queries, and a comparable snapshot of the marts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from coretelecoms.settings import Settings

MARTS = (
    "dim_customers",
    "dim_agents",
    "dim_date",
    "fct_complaints",
    "obt_complaints",
    "agent_daily_performance",
    "customer_complaint_history",
)


def every_mart() -> tuple[str, ...]:
    """Every model of the marts folder (what the publish step publishes), by name."""
    from coretelecoms.transform import default_project_dir

    return tuple(sorted(p.stem for p in (default_project_dir() / "models" / "marts").glob("*.sql")))


def make_settings(home: Path) -> Settings:
    """Settings for a DuckDB warehouse under `home`, whatever CORETELECOMS_* the shell has set."""
    return Settings(home=home, duckdb_path=home / "warehouse.duckdb", warehouse="duckdb")


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a query on the test warehouse, as dicts."""
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def snapshot(settings: Settings, tables: tuple[str, ...] = MARTS) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every mart, in a stable order, for comparing two builds."""
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return {
            table: sorted(con.execute(f"select * from marts.{table}").fetchall(), key=repr)
            for table in tables
        }
    finally:
        con.close()


def complaints(settings: Settings) -> dict[tuple[str, str], dict[str, Any]]:
    """fct_complaints keyed by (channel, source id)."""
    rows = query(settings, "select * from marts.fct_complaints")
    return {(r["channel"], r["source_complaint_id"]): r for r in rows}
