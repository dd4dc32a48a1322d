"""DuckDB loader: each date's lake partitions replace that date's rows in `raw.<table>`, in one transaction."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from coretelecoms.common.entities import Entity
from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.lake.filesystem import Location
from coretelecoms.load.common import LOADED_AT, LoadSummary, TableLoad, day_files, entities, raw_table_schema

log = logging.getLogger(__name__)

_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.date32(): "DATE",
    pa.timestamp("us"): "TIMESTAMP",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}


def ddl(entity: Entity) -> str:
    """CREATE TABLE for an entity's RAW table, typed from the same Arrow schema the lake is written with."""
    columns = ", ".join(f'"{f.name}" {_DUCKDB_TYPES[f.type]}' for f in raw_table_schema(entity))
    return f"CREATE TABLE IF NOT EXISTS raw.{entity.table} ({columns})"


def _batches(files: list[Location]) -> pa.RecordBatchReader:
    """Stream the partition's files as one Arrow reader, so DuckDB never needs the whole day in memory."""
    schema = pq.read_schema(files[0].fs.open_input_file(files[0].path))

    def generate():
        for location in files:
            with location.fs.open_input_file(location.path) as handle:
                yield from pq.ParquetFile(handle).iter_batches(batch_size=128 * 1024)

    return pa.RecordBatchReader.from_batches(schema, generate())


def load_day(duckdb_path: Path, lake: Location, day: date) -> LoadSummary:
    """Replace `day`'s rows of every RAW table with the lake's partitions for that day."""
    import duckdb

    summary = LoadSummary(date=day.isoformat(), warehouse=f"duckdb:{duckdb_path}")
    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(duckdb_path))
    except duckdb.Error as exc:
        raise PipelineError(f"cannot open the DuckDB warehouse {duckdb_path}: {exc}") from exc
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        for entity in entities():
            con.execute(ddl(entity))
            files = day_files(lake, entity, day)
            if not files:
                summary.missing.append(entity.name)
                log.warning(
                    "no %s partition for %s in the lake; %s keeps its rows", entity.name, day, entity.table
                )
                continue
            # Delete-then-insert in one transaction: a re-load leaves exactly one copy, and a failure
            # (or a kill) part-way rolls back to the previous state.
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"DELETE FROM raw.{entity.table} WHERE _ingest_date = ?", [day])
                reader = _batches(files)  # noqa: F841 - DuckDB scans the Python variable by name
                con.execute(
                    f"INSERT INTO raw.{entity.table} BY NAME SELECT *, now() AS {LOADED_AT} FROM reader"
                )
                rows = con.execute(
                    f"SELECT count(*) FROM raw.{entity.table} WHERE _ingest_date = ?", [day]
                ).fetchone()[0]
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            summary.tables.append(TableLoad(entity.table, rows, [f.url for f in files]))
    except duckdb.Error as exc:
        raise PipelineError(f"loading {day} into DuckDB failed: {first_line(exc)}") from exc
    finally:
        con.close()
    return summary
