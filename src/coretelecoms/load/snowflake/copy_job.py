"""The Snowflake load job: a date's published partitions replace that date's RAW rows through COPY INTO.

Production (`SNOWFLAKE_STAGE_MODE=external`, the default) copies straight from the external stage that
Pulumi puts over the lake's `raw/` zone, naming the manifest's files (`FILES=`); Snowflake reads S3
through the storage integration's role. The loader itself reads only the manifests. `put` mode reads the
lake itself and PUTs the day's files into temporary internal stages first: for development accounts
without an integration, and for fakesnow, which cannot read S3.

Exactly once, whatever Snowflake's load history says: every COPY runs with FORCE=TRUE, the rows it adds
carry no `_loaded_at` yet (MATCH_BY_COLUMN_NAME leaves table columns absent from the file NULL), so the
date's previous copy is exactly its rows that already have one; those are deleted and the new rows are
stamped. DDL commits implicitly in Snowflake, so tables and stages are made before the transaction.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType

from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.lake.filesystem import Location, lake_errors
from coretelecoms.load import manifest_table
from coretelecoms.load.common import LOADED_AT, RAW_SCHEMA, create_table, entities, raw_table_schema
from coretelecoms.load.partitions import Partition
from coretelecoms.load.snowflake.connection import (
    DEFAULT_DATABASE,
    ROLLBACK_TIMEOUT,
    close,
    connect,
    endpoint,
    quiet_connector_threads,
    reason,
)
from coretelecoms.settings import SnowflakeSettings

PUT_STAGE_PREFIX = "CORETELECOMS_LOAD_"
# Repeated in every COPY rather than taken from the stage: fakesnow ignores stage-level formats, and the
# load must not depend on how the stage happens to be defined. USE_LOGICAL_TYPE reads Parquet timestamps
# and dates as such (the lake writes them as logical types), as the Pulumi file format does.
FILE_FORMAT = "FILE_FORMAT=(TYPE=PARQUET USE_LOGICAL_TYPE=TRUE)"
_NO_OBJECT_ERRNO = 2003  # "does not exist or not authorized"


def copy_sql(table: str, source: str, files: list[str] | None) -> str:
    """The COPY of one partition (only `files` of it, if given); FORCE: exactly-once is ours to keep, not the history's."""
    names = ", ".join("'" + f.replace("'", "\\'") + "'" for f in files or [])
    only = f" FILES=({names})" if files else ""
    return (
        f"COPY INTO {RAW_SCHEMA}.{table} FROM {source}{only} {FILE_FORMAT} "
        "MATCH_BY_COLUMN_NAME=CASE_INSENSITIVE ON_ERROR=ABORT_STATEMENT FORCE=TRUE"
    )


def external_source(sf: SnowflakeSettings, partition: Partition) -> str:
    """`@<stage>/[<prefix>/]<entity>/ingest_date=D/`: the partition as the external stage sees it."""
    prefix = sf.stage_prefix.strip("/")
    return f"@{sf.stage}/{prefix + '/' if prefix else ''}{partition.folder}/"


class SnowflakeLoad:
    """One day's load on one Snowflake session; leaving without commit() rolls back (or Snowflake aborts it)."""

    def __init__(self, sf: SnowflakeSettings, day: date):
        self.sf = sf
        self.day = day
        self.warehouse = f"snowflake:{sf.account}/{sf.database or DEFAULT_DATABASE}"
        # Through an external stage Snowflake reads the data files: the loader reads only the manifests
        # (no S3 access to the rows, which hold PII); a COPY naming an absent file fails the day.
        self.reads_lake = sf.stage_mode == "put"
        self.what = f"preparing the RAW tables in {sf.database or DEFAULT_DATABASE}"
        self.hint = "check the loader role (SNOWFLAKE_ROLE) has USAGE and CREATE TABLE on schema RAW"
        self.sources: dict[str, str] = {}
        self.committed = False

    def __enter__(self) -> SnowflakeLoad:
        self._quiet = quiet_connector_threads(wait_seconds=self.sf.network_timeout + ROLLBACK_TIMEOUT)
        self._quiet.__enter__()
        try:
            self.con = connect(self.sf, self.day)
        except BaseException:
            self._quiet.__exit__(None, None, None)
            raise
        self.cur = self.con.cursor()
        self._workdir = tempfile.TemporaryDirectory(prefix="coretelecoms-load-")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        import snowflake.connector

        # A lost connection is not rolled back: that would only wait out another timeout, and the open
        # transaction never commits (Snowflake aborts the detached transaction itself).
        lost = isinstance(exc, snowflake.connector.Error) and not isinstance(
            exc, snowflake.connector.errors.ProgrammingError
        )
        try:
            close(self.con, rollback=not (self.committed or lost))
        finally:
            self._workdir.cleanup()
            self._quiet.__exit__(None, None, None)
        if isinstance(exc, snowflake.connector.Error):
            raise self._statement_error(exc) from exc
        if isinstance(exc, OSError):  # put mode reads the lake
            raise PipelineError(
                f"{self.what} failed reading the lake: {first_line(exc)}; nothing was committed"
            ) from exc

    def prepare(self, partitions: list[Partition]) -> None:
        self._ensure_tables()
        for partition in partitions:
            if not partition.files:
                continue
            if self.sf.stage_mode == "put":
                self.what = f"staging {', '.join(f.url for f in partition.files)} (PUT)"
                self.hint = "put mode needs CREATE STAGE on schema RAW for the loader role"
                self.sources[partition.entity.name] = self._put(partition)
            else:
                self.sources[partition.entity.name] = external_source(self.sf, partition)
        self.hint = (
            "check the stage's storage integration can read the lake"
            if self.sf.stage_mode == "external"
            else "check the lake file"
        )

    def begin(self) -> None:
        # Autocommit is off: the first DML opens the transaction that commit() ends.
        self.loaded_at = datetime.now(UTC)

    def replace(self, partition: Partition) -> int:
        table = f"{RAW_SCHEMA}.{partition.entity.table}"
        day = self.day.isoformat()
        if not partition.files:  # an unchanged snapshot, or nothing but quarantine: no rows for the day
            self.what = f"clearing {day} of {table}"
            self.cur.execute(f"DELETE FROM {table} WHERE _ingest_date = %s::DATE", (day,))
            return 0
        source = self.sources[partition.entity.name]
        self.what = f"COPY INTO {table} of {', '.join(f.url for f in partition.files)} from {source}"
        # The external stage sees every file of the folder, listed or not; a PUT stage holds just the listed ones.
        listed = partition.file_names if self.sf.stage_mode == "external" else None
        self.cur.execute(copy_sql(partition.entity.table, source, listed))
        loaded = self._copied_files()
        if loaded != len(partition.files):
            raise PipelineError(
                f"{self.what} loaded {loaded} of {len(partition.files)} files; nothing was committed"
            )
        # Drop the date's previous copy (rows already stamped), stamp the new one.
        self.cur.execute(
            f"DELETE FROM {table} WHERE _ingest_date = %s::DATE AND {LOADED_AT} IS NOT NULL", (day,)
        )
        self.cur.execute(
            f"UPDATE {table} SET {LOADED_AT} = %s::TIMESTAMP_TZ WHERE {LOADED_AT} IS NULL",
            (self.loaded_at.isoformat(),),
        )
        self.cur.execute(f"SELECT count(*) FROM {table} WHERE _ingest_date = %s::DATE", (day,))
        return int(self.cur.fetchone()[0])

    def replace_manifests(self, day: date, rows: list[tuple]) -> None:
        table = f"{RAW_SCHEMA}.{manifest_table.TABLE}"
        self.what = f"recording the manifests of {day} in {table}"
        self.cur.execute(
            f"DELETE FROM {table} WHERE {manifest_table.DATE_COLUMN} = %s::DATE", (day.isoformat(),)
        )
        names = ", ".join(manifest_table.SCHEMA.names)
        marks = ", ".join("%s" for _ in manifest_table.SCHEMA.names)
        self.cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def commit(self) -> None:
        self.what = f"committing the load of {self.day}"
        self.con.commit()
        self.committed = True

    # ------------------------------------------------------------------ helpers

    def _ensure_tables(self) -> None:
        """Create schema RAW and its tables if missing (DDL commits on its own, so it runs first)."""
        self.cur.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s "
            "AND catalog_name = CURRENT_DATABASE()",
            (RAW_SCHEMA.upper(),),
        )
        # The loader role may hold only USAGE + CREATE TABLE on RAW (Pulumi): ask before creating.
        if self.cur.fetchone()[0] == 0:
            self.cur.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        for entity in entities():
            self.cur.execute(create_table("snowflake", entity.table, raw_table_schema(entity)))
        self.cur.execute(create_table("snowflake", manifest_table.TABLE, manifest_table.SCHEMA))

    def _put(self, partition: Partition) -> str:
        """PUT a partition's files into a temporary stage of its own; returns the stage.

        One stage per table keeps every partition's `part-00000.parquet` apart; TEMPORARY makes it private
        to this session (parallel backfills do not collide) and gone when the session ends.
        """
        stage = f"{RAW_SCHEMA}.{PUT_STAGE_PREFIX}{partition.entity.table.upper()}"
        self.cur.execute(f"CREATE OR REPLACE TEMPORARY STAGE {stage}")
        for location, name in zip(partition.files, partition.file_names, strict=True):
            local = self._local_copy(location, partition.entity.table, name)
            # A plain path inside quotes, as Snowflake documents for spaces; not percent-encoded.
            uri = "file://" + local.resolve().as_posix().replace("\\", "\\\\").replace("'", "\\'")
            self.cur.execute(f"PUT '{uri}' @{stage} AUTO_COMPRESS=FALSE OVERWRITE=TRUE")
        return f"@{stage}"

    def _local_copy(self, location: Location, table: str, name: str) -> Path:
        if not location.is_s3:
            return Path(location.path)
        local = Path(self._workdir.name) / table / name
        local.parent.mkdir(parents=True, exist_ok=True)
        with (
            lake_errors(location, "reading"),
            location.fs.open_input_stream(location.path) as src,
            local.open("wb") as dst,
        ):
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        return local

    def _copied_files(self) -> int:
        names = [d[0].lower() for d in self.cur.description or []]
        rows = self.cur.fetchall()
        return len(rows) if "file" in names else 0  # else "Copy executed with 0 files processed."

    def _statement_error(self, exc: BaseException) -> PipelineError:
        """One line naming what failed and what to check."""
        import snowflake.connector

        why = reason(exc)
        if isinstance(exc, snowflake.connector.errors.ProgrammingError):
            hint = self.hint
            if getattr(exc, "errno", None) == _NO_OBJECT_ERRNO and "stage" in why.lower():
                hint = (
                    f"check SNOWFLAKE_STAGE={self.sf.stage} (created by Pulumi with its storage integration) and "
                    "that the loader role has USAGE on it"
                )
            elif "lock" in why.lower() and "timeout" in why.lower():
                hint = (
                    "an earlier load's transaction may be detached: find it with SHOW LOCKS and end it with "
                    "SYSTEM$ABORT_TRANSACTION"
                )
            return PipelineError(f"{self.what} failed: {why}; {hint}; nothing was committed")
        return PipelineError(
            f"{self.what} failed, lost the Snowflake connection ({endpoint(self.sf)}): {why}; nothing was "
            "committed, re-run the load"
        )
