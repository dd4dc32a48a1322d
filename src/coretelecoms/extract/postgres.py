"""Web-form requests: the day's `customer_complaints.web_form_request_YYYY_MM_DD` table, streamed with COPY.

The table is found whatever its case (PostgreSQL folds the unquoted name to lower case; a quoted
mixed-case `"Web_form_request_…"` is found too), and every column is cast to text in the query, so
integer, timestamp and timestamptz columns read as the same text the CSV path parses.

The table is read in a READ ONLY transaction with `COPY (SELECT …) TO STDOUT`: only the ACCESS SHARE
lock any reader takes, no writes, nothing left open. COPY's CSV output runs through the same
streaming CSV parser as the files, in a pipe, so memory stays flat whatever the table's size.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pyarrow as pa

from coretelecoms.common.entities import WEB_FORMS_SCHEMA, WEB_FORMS_TABLE
from coretelecoms.common.errors import PipelineError, SourceMissingError, first_line
from coretelecoms.common.postgres import postgres_dsn
from coretelecoms.extract.csv_stream import CsvChunks
from coretelecoms.extract.records import Delivery, RawChunk
from coretelecoms.settings import Settings

PIPE_CHUNK = 1 << 20


def table_name(day: date) -> str:
    """The day's table name as PostgreSQL stores the unquoted name: lower case."""
    return WEB_FORMS_TABLE.format(date_underscored=day.strftime("%Y_%m_%d"))


def _connect(dsn: str):
    import psycopg2

    try:
        # ISO dates and UTC: the text COPY produces must not depend on the server's or the role's defaults.
        conn = psycopg2.connect(
            dsn, connect_timeout=15, application_name="coretelecoms-extract",
            options="-c DateStyle=ISO,YMD -c TimeZone=UTC",
        )  # fmt: skip
    except psycopg2.OperationalError as exc:
        raise PipelineError(f"cannot connect to the web-forms PostgreSQL: {first_line(exc)}") from exc
    conn.set_session(readonly=True, autocommit=False)
    return conn


class _CopyPipe:
    """Run COPY … TO STDOUT in a thread writing into a pipe; the reader side is a pyarrow stream."""

    def __init__(self, cursor, sql: str, source: str):
        self.source = source
        read_fd, write_fd = os.pipe()
        self._reader = os.fdopen(read_fd, "rb", buffering=PIPE_CHUNK)
        self._writer = os.fdopen(write_fd, "wb", buffering=PIPE_CHUNK)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._copy, args=(cursor, sql), daemon=True)
        self._thread.start()
        self.stream = pa.PythonFile(self._reader, mode="r")

    def _copy(self, cursor, sql: str) -> None:
        try:
            cursor.copy_expert(sql, self._writer, size=PIPE_CHUNK)
        except BaseException as exc:  # reported by close(); the reader sees end of file
            self.error = exc
        finally:
            with contextlib.suppress(OSError):  # the reader went away first
                self._writer.close()

    def checked(self, chunks: CsvChunks) -> Iterator[RawChunk]:
        """Yield the chunks, then fail if COPY stopped early: a short read must never be published."""
        yield from chunks
        self.raise_if_failed()

    def raise_if_failed(self) -> None:
        """Surface COPY's own error (permission denied, connection lost…) rather than its short output."""
        self._thread.join()
        if self.error is not None:
            raise PipelineError(f"reading {self.source} failed: {first_line(self.error)}")

    def close(self) -> None:
        self._reader.close()  # unblocks the writer if we stopped reading early
        self._thread.join()


def find_table(cur, day: date) -> str:
    """The day's table, schema-qualified and quoted, whatever its case: two spellings is an error naming both."""
    wanted = table_name(day)
    cur.execute(
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND lower(c.relname) = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
        "ORDER BY c.relname = %s DESC, c.relname",  # the lower-case name (PostgreSQL's own folding) first
        (WEB_FORMS_SCHEMA, wanted, wanted),
    )
    found = [_qualified(name) for (name,) in cur.fetchall()]
    if not found:
        raise SourceMissingError(f"source table not found: {WEB_FORMS_SCHEMA}.{wanted} (in any case)")
    if len(found) > 1:
        raise PipelineError(
            f"two web-form tables for {day.isoformat()}: {' and '.join(found)}; drop or rename one "
            "(the extractor never picks one silently)"
        )
    return found[0]


def _qualified(table: str) -> str:
    """`schema.table`, the table quoted only when it needs it (as a person would write it in psql)."""
    plain = table == table.lower() and table.replace("_", "").isalnum()
    return f"{WEB_FORMS_SCHEMA}.{table if plain else _quote(table)}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def copy_sql(cur, qualified: str) -> str:
    """COPY every column as text, whatever its type; timestamptz as UTC wall time (the lake's timestamps are naive)."""
    cur.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (qualified,),
    )
    columns = []
    for name, type_name in cur.fetchall():
        value = _quote(name)
        if type_name.startswith("timestamp") and "with time zone" in type_name:
            value = f"({value} AT TIME ZONE 'UTC')"
        columns.append(f"{value}::text AS {_quote(name)}")
    return f"COPY (SELECT {', '.join(columns)} FROM {qualified}) TO STDOUT WITH (FORMAT csv, HEADER true)"


@contextmanager
def open_web_forms(settings: Settings, day: date) -> Iterator[Delivery]:
    """The day's web-form table, streamed with COPY inside a read-only transaction."""
    import psycopg2

    with postgres_dsn(settings.dsn, settings.embedded_postgres_dir) as dsn:
        conn = _connect(dsn)
        qualified = f"{WEB_FORMS_SCHEMA}.{table_name(day)}"
        try:
            with conn.cursor() as cur:
                qualified = find_table(cur, day)
                pipe = _CopyPipe(cur, copy_sql(cur, qualified), qualified)
                try:
                    chunks = CsvChunks(pipe.stream, qualified, row_label="row")
                    yield Delivery(qualified, chunks.headers, pipe.checked(chunks))
                except PipelineError:
                    pipe.close()
                    pipe.raise_if_failed()  # COPY's error explains an empty or short stream better
                    raise
                finally:
                    pipe.close()
            conn.rollback()  # read-only: nothing to commit
        except psycopg2.Error as exc:
            raise PipelineError(f"reading {qualified} failed: {first_line(exc)}") from exc
        finally:
            conn.close()
