"""Web-form requests: the day's `customer_complaints."Web_form_request_YYYY_MM_DD"` table, streamed with COPY.

The table is read in a READ ONLY transaction with `COPY (SELECT …) TO STDOUT`: only the ACCESS SHARE
lock any reader takes, no writes, nothing left open. COPY's CSV output runs through the same
streaming CSV parser as the files, in a pipe, so memory stays flat whatever the table's size.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import date

import pyarrow as pa

from coretelecoms.common.entities import WEB_FORMS, WEB_FORMS_SCHEMA, WEB_FORMS_TABLE
from coretelecoms.common.errors import PipelineError, SourceMissingError, first_line
from coretelecoms.extract.csv_stream import CsvChunks
from coretelecoms.extract.engine import ExtractSummary, Progress, RunContext, extract_to_lake
from coretelecoms.extract.records import RawChunk

PIPE_CHUNK = 1 << 20


def table_name(day: date) -> str:
    return WEB_FORMS_TABLE.format(date_underscored=day.strftime("%Y_%m_%d"))


def _connect(dsn: str):
    import psycopg2

    try:
        conn = psycopg2.connect(dsn, connect_timeout=15, application_name="coretelecoms-extract")
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


def extract_web_forms(dsn: str, ctx: RunContext, progress: Progress | None = None) -> ExtractSummary:
    """Extract the web-form table of ctx.day into the lake."""
    import psycopg2

    table = table_name(ctx.day)
    qualified = f'{WEB_FORMS_SCHEMA}."{table}"'
    conn = _connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", (qualified,))
            if cur.fetchone()[0] is None:
                raise SourceMissingError(f"source table not found: {qualified}")
            sql = f"COPY (SELECT * FROM {qualified}) TO STDOUT WITH (FORMAT csv, HEADER true)"
            pipe = _CopyPipe(cur, sql, qualified)
            try:
                chunks = CsvChunks(pipe.stream, qualified, row_label="row")
                summary = extract_to_lake(
                    WEB_FORMS, qualified, chunks.headers, pipe.checked(chunks), ctx, progress
                )
            except PipelineError:
                pipe.close()
                pipe.raise_if_failed()  # COPY's error explains an empty or short stream better
                raise
            finally:
                pipe.close()
        conn.rollback()  # read-only: nothing to commit
        return summary
    except psycopg2.Error as exc:
        raise PipelineError(f"reading {qualified} failed: {first_line(exc)}") from exc
    finally:
        conn.close()
