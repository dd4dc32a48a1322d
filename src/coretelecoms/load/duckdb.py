"""DuckDB loader: a date's published partitions replace that date's rows in every RAW table, in one transaction."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from coretelecoms.common.entities import Entity
from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.lake.filesystem import Location, lake_errors, private_dir, private_file
from coretelecoms.load import job, manifest_table
from coretelecoms.load.common import (
    LOADED_AT,
    RAW_SCHEMA,
    LoadSummary,
    create_table,
    entities,
    raw_table_schema,
)
from coretelecoms.load.partitions import Partition
from coretelecoms.settings import Settings


def config_from(settings: Settings) -> Path:
    """The DuckDB warehouse's configuration is its file."""
    assert settings.duckdb_path is not None  # filled in by Settings
    return settings.duckdb_path


def load_day(config: Path, lake: Location, day: date) -> LoadSummary:
    """Replace `day`'s rows of every RAW table (and of raw.extract_manifests) with the day's partitions."""
    return job.run(DuckDBLoad(config, day), lake, day)


class DuckDBLoad:
    """One day's load on one DuckDB connection; DuckDB's DDL is transactional, so all of it is one transaction."""

    def __init__(self, path: Path, day: date):
        self.path = path
        self.day = day
        self.warehouse = f"duckdb:{path}"
        self.reads_lake = True
        self._began = self._committed = False

    def __enter__(self) -> DuckDBLoad:
        import duckdb

        private_dir(self.path.parent)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise PipelineError(f"cannot open the DuckDB warehouse {self.path}: {first_line(exc)}") from exc
        private_file(self.path)  # the warehouse holds customer PII: owner only
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        import duckdb

        try:
            if self._began and not self._committed:
                self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # nothing uncommitted is visible anyway; closing discards it
        finally:
            self.con.close()
        if isinstance(exc, duckdb.Error):
            raise PipelineError(
                f"loading {self.day} into DuckDB {self.path} failed: {first_line(exc)}"
            ) from exc

    def prepare(self, partitions: list[Partition]) -> None:
        pass  # DuckDB reads the lake itself and its DDL is transactional: nothing to do beforehand

    def begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")
        self._began = True
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        for entity in entities():
            self.con.execute(create_table("duckdb", entity.table, raw_table_schema(entity)))
        self.con.execute(create_table("duckdb", manifest_table.TABLE, manifest_table.SCHEMA))

    def replace(self, partition: Partition) -> int:
        table = f"{RAW_SCHEMA}.{partition.entity.table}"
        self.con.execute(f"DELETE FROM {table} WHERE _ingest_date = ?", [self.day])
        if partition.files:
            reader = _Batches(partition.entity, partition.files)
            try:
                stream = reader.stream()  # noqa: F841 - DuckDB scans the Python variable by name
                self.con.execute(f"INSERT INTO {table} BY NAME SELECT *, now() AS {LOADED_AT} FROM stream")
            except Exception as exc:
                raise reader.failure(exc, table) from exc
        return self.con.execute(
            f"SELECT count(*) FROM {table} WHERE _ingest_date = ?", [self.day]
        ).fetchone()[0]

    def replace_manifests(self, day: date, rows: list[tuple]) -> None:
        table = f"{RAW_SCHEMA}.{manifest_table.TABLE}"
        self.con.execute(f"DELETE FROM {table} WHERE {manifest_table.DATE_COLUMN} = ?", [day])
        names = ", ".join(manifest_table.SCHEMA.names)
        marks = ", ".join("?" for _ in manifest_table.SCHEMA.names)
        self.con.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def commit(self) -> None:
        self.con.execute("COMMIT")
        self._committed = True


class _Batches:
    """A partition's files as one Arrow stream (DuckDB never needs the whole day in memory); knows which file it is in."""

    def __init__(self, entity: Entity, files: tuple[Location, ...]):
        self.entity = entity
        self.files = files
        self.current: Location = files[0]
        self.error: BaseException | None = None

    def stream(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.entity.schema, self._generate())

    def _generate(self):
        for location in self.files:
            self.current = location
            try:
                with lake_errors(location, "reading"), location.fs.open_input_file(location.path) as handle:
                    parquet = pq.ParquetFile(handle)
                    if _columns(parquet.schema_arrow) != _columns(self.entity.schema):
                        raise PipelineError(f"its columns are not the lake's {self.entity.name} schema")
                    yield from parquet.iter_batches(batch_size=128 * 1024)
            except Exception as exc:
                self.error = exc  # DuckDB reports it only as text inside its own error
                raise

    def failure(self, exc: BaseException, table: str) -> PipelineError:
        """One line naming the file and the table, with the reader's own reason (not DuckDB's wrapper)."""
        reason = first_line(self.error or exc)
        return PipelineError(
            f"loading {self.current.url} into {table} failed: {reason}; nothing was committed"
        )


def _columns(schema: pa.Schema) -> list[tuple[str, pa.DataType]]:
    return [(f.name, f.type) for f in schema]
