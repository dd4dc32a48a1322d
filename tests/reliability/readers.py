"""What a reader between a kill and its re-run may see, and the states two runs are compared by.

Lake: a partition with a manifest has every file it lists, and their rows reconcile with it.
RAW: each day is either wholly there (every table, and its manifest rows) or wholly absent.
Marts: fct_complaints and obt_complaints agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from coretelecoms.common.entities import ENTITIES

RUN_COLUMNS = ("_ingested_at", "_run_id", "_loaded_at", "_built_at")  # differ from run to run by design
MANIFEST_RUN_FIELDS = ("run_id", "published_at")


def _rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def lake_problems(lake: Path) -> list[str]:
    """Every published partition that a reader could not trust (empty when all is well)."""
    problems = []
    for manifest_path in sorted(lake.glob("raw/*/ingest_date=*/_manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        listed = [*manifest["outputs"], *manifest["quarantine"]]
        absent = [key for key in listed if not (lake / key).is_file()]
        if absent:
            problems.append(f"{manifest_path.relative_to(lake)} lists absent {absent}")
            continue
        if manifest["rows_read"] != manifest["rows_written"] + manifest["rows_quarantined"]:
            problems.append(f"{manifest_path.relative_to(lake)} does not reconcile")
        stored = manifest_path.parent
        if manifest.get("unchanged_since"):  # the rows live in the delivery it repeats
            stored = stored.parent / f"ingest_date={manifest['unchanged_since']}"
            if not (stored / "_manifest.json").is_file():
                problems.append(f"{manifest_path.relative_to(lake)} repeats an unpublished delivery")
                continue
            manifest = json.loads((stored / "_manifest.json").read_text())
        written = sum(_rows(lake / key) for key in manifest["outputs"])
        quarantined = sum(_rows(lake / k) for k in manifest["quarantine"] if Path(k).name.startswith("part-"))
        if (written, quarantined) != (manifest["rows_written"], manifest["rows_quarantined"]):
            problems.append(
                f"{manifest_path.relative_to(lake)}: files hold {written} + {quarantined} rows, manifest says "
                f"{manifest['rows_written']} + {manifest['rows_quarantined']}"
            )
    return problems


def lake_state(lake: Path) -> dict[str, object]:
    """What a reader can see of the lake, run-specific values left out: published partitions only."""
    state: dict[str, object] = {}
    for manifest_path in sorted(lake.glob("raw/*/ingest_date=*/_manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        key = manifest_path.relative_to(lake).as_posix()
        state[key] = {k: v for k, v in manifest.items() if k not in MANIFEST_RUN_FIELDS}
        for listed in [*manifest["outputs"], *manifest["quarantine"]]:
            table = pq.read_table(lake / listed)
            state[listed] = table.drop_columns(
                [c for c in RUN_COLUMNS if c in table.column_names]
            ).to_pylist()
    return state


def partition_keys(state: dict[str, object], entity: str, day: str) -> set[str]:
    """The keys of `lake_state` that belong to one partition (its manifest and listed files)."""
    marker = f"/{entity}/ingest_date={day}/"
    return {k for k in state if marker in k}


def _connect(warehouse: Path):
    return duckdb.connect(str(warehouse), read_only=True)


def _raw_tables(con) -> set[str]:
    query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
    return {t for (t,) in con.execute(query).fetchall()}


def raw_state(warehouse: Path) -> dict[str, list[tuple]]:
    """Every RAW table's rows (run-specific columns left out), sorted; {} before the first load."""
    if not warehouse.exists():
        return {}
    with _connect(warehouse) as con:
        tables = _raw_tables(con)
        state = {}
        for table in sorted(tables):
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall()]  # fmt: skip
            keep = [c for c in columns if c not in RUN_COLUMNS and c not in MANIFEST_RUN_FIELDS]
            names = ", ".join(f'"{c}"' for c in keep)
            state[table] = con.execute(f"SELECT {names} FROM raw.{table} ORDER BY ALL").fetchall()
    return state


def day_counts(warehouse: Path, day: str) -> dict[str, int]:
    """Rows of `day` per RAW table, and the day's rows in raw.extract_manifests."""
    if not warehouse.exists():
        return {}
    with _connect(warehouse) as con:
        tables = _raw_tables(con)
        counts = {
            e.table: con.execute(
                f"SELECT count(*) FROM raw.{e.table} WHERE _ingest_date = ?", [day]
            ).fetchone()[0]
            for e in ENTITIES.values()
            if e.table in tables
        }
        if "extract_manifests" in tables:
            counts["extract_manifests"] = con.execute(
                "SELECT count(*) FROM raw.extract_manifests WHERE ingest_date = ?", [day]
            ).fetchone()[0]
    return counts


def marts_state(warehouse: Path, schema: str = "marts") -> dict[str, int]:
    """Row count of every published mart."""
    if not warehouse.exists():
        return {}
    with _connect(warehouse) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [schema]).fetchall()]  # fmt: skip
        return {t: con.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0] for t in tables}


def marts_problems(state: dict[str, int]) -> list[str]:
    if state and state.get("fct_complaints") != state.get("obt_complaints"):
        return [
            f"fct_complaints has {state.get('fct_complaints')} rows, obt_complaints {state.get('obt_complaints')}"
        ]
    return []
