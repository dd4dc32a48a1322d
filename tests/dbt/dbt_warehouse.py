"""Helpers for the dbt tests: settings for a test warehouse, queries, and a comparable snapshot of the marts."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

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


# raw.extract_manifests as the loader creates it (one row per entity and ingest date).
MANIFEST_SCHEMA = pa.schema([
    ("entity", pa.string()), ("ingest_date", pa.date32()), ("run_id", pa.string()), ("source", pa.string()),
    ("rows_read", pa.int64()), ("rows_written", pa.int64()), ("rows_quarantined", pa.int64()),
    ("quarantine_reasons", pa.string()), ("top_quarantine_reason", pa.string()), ("drift_columns", pa.string()),
    ("fingerprint", pa.string()), ("unchanged_since", pa.date32()), ("published_at", pa.timestamp("us")),
])  # fmt: skip


def manifest(
    entity: str,
    day: date,
    read: int,
    quarantined: dict[str, int] | None = None,
    drift: list[str] | None = None,
    unchanged_since: date | None = None,
) -> dict[str, Any]:
    """One manifest row: rows read = written + quarantined, the commonest reason on top."""
    reasons = quarantined or {}
    bad = sum(reasons.values())
    return {
        "entity": entity, "ingest_date": day, "run_id": f"run-{day}", "source": f"test/{entity}/{day}",
        "rows_read": read, "rows_written": read - bad, "rows_quarantined": bad,
        "quarantine_reasons": json.dumps(reasons),
        "top_quarantine_reason": max(reasons, key=reasons.get) if reasons else None,
        "drift_columns": json.dumps(drift or []), "fingerprint": None, "unchanged_since": unchanged_since,
        "published_at": datetime.combine(day, datetime.min.time()).replace(hour=6),
    }  # fmt: skip


def manifests_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Manifest rows as the RAW table `write_raw` (either warehouse) creates."""
    return pa.Table.from_pylist(rows, schema=MANIFEST_SCHEMA)


def project_models() -> int:
    """How many models the dbt project has: a build that passes builds every one."""
    from coretelecoms.transform.runner import default_project_dir

    return len(list((default_project_dir() / "models").rglob("*.sql")))


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


# When a row's source was loaded and which build wrote it: lineage that differs between two builds of
# the same content by design (a re-loaded day, an incremental build against a full refresh).
RUN_LINEAGE = ("_loaded_at", "_built_at")


def snapshot(
    settings: Settings, tables: tuple[str, ...] = MARTS, *, lineage: bool = False
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every mart, in a stable order, for comparing two builds; the run lineage only if asked
    (to show marts were not touched at all)."""
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        marts = {}
        for table in tables:
            columns = [c for c, *_ in con.execute(f"describe marts.{table}").fetchall() if lineage or c not in RUN_LINEAGE]
            rows = con.execute(f"select {', '.join(columns)} from marts.{table}").fetchall()
            marts[table] = sorted(rows, key=repr)
        return marts
    finally:
        con.close()


def complaints(settings: Settings) -> dict[tuple[str, str], dict[str, Any]]:
    """fct_complaints keyed by (channel, source id)."""
    rows = query(settings, "select * from marts.fct_complaints")
    return {(r["channel"], r["source_complaint_id"]): r for r in rows}
