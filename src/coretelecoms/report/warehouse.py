"""Read-only SQL on the configured warehouse (DuckDB file or Snowflake) as lists of dicts with lower-case keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, Protocol

from coretelecoms.common.errors import PipelineError, first_line
from coretelecoms.settings import Settings

Rows = list[dict[str, Any]]


class Reader(Protocol):
    """What the report's queries need: run one SELECT, get its rows."""

    def rows(self, sql: str) -> Rows: ...


class _DuckDBReader:
    def __init__(self, con: Any) -> None:
        self._con = con

    def rows(self, sql: str) -> Rows:
        cursor = self._con.execute(sql)
        names = [d[0].lower() for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class _SnowflakeReader:
    def __init__(self, con: Any) -> None:
        self._con = con

    def rows(self, sql: str) -> Rows:
        cursor = self._con.cursor()
        try:
            cursor.execute(sql)
            # Snowflake folds unquoted names to upper case; the queries are written in lower case.
            names = [d[0].lower() for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()


@contextmanager
def open_reader(settings: Settings) -> Iterator[Reader]:
    """A read-only connection to the warehouse `settings` names, closed on exit.

    Raises:
        PipelineError: the warehouse cannot be opened (one line, no secrets).
    """
    if settings.warehouse == "snowflake":
        with _snowflake() as reader:
            yield reader
        return
    import duckdb

    path = settings.duckdb_path
    if path is None or not path.exists():
        raise PipelineError(f"no warehouse at {path}: run `coretelecoms run` (or `demo`) first")
    try:
        # Read-only: the report never changes the warehouse, and may run while nothing else writes.
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise PipelineError(f"cannot open the warehouse {path}: {first_line(exc)}") from exc
    try:
        yield _DuckDBReader(con)
    finally:
        con.close()


@contextmanager
def _snowflake() -> Iterator[Reader]:
    # The loader's public connection helpers: the same SNOWFLAKE_* settings, key-pair or password,
    # endpoint overrides and one-line login failures.
    from coretelecoms.load.snowflake.connection import close, connect, settings_from_env

    con = connect(settings_from_env(), date.today())
    try:
        yield _SnowflakeReader(con)
    finally:
        # Only SELECTs ran: rolling back the connector's open transaction loses nothing.
        close(con, rollback=True)
