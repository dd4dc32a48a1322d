"""Web-form requests: one PostgreSQL table a day in schema `customer_complaints`, filled by COPY FROM STDIN.

Each day is replaced in one transaction (drop, create, copy), so a reader sees the old table or the new
one, never a half-filled one. Rows stream to the server through a file-like producer, chunk by chunk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from coretelecoms.common.entities import WEB_FORMS_SCHEMA, WEB_FORMS_TABLE
from coretelecoms.simulator import kinds, tally, text
from coretelecoms.simulator.complaints import DRIFT_COLUMNS, ComplaintChunk
from coretelecoms.simulator.context import RunContext
from coretelecoms.simulator.plan import FilePlan

ENTITY = "web-forms"
# Exactly as delivered (SOURCES.md); every column is text.
COLUMNS = [
    "Column1",
    "request_id",
    "customeR iD",
    "COMPLAINT_catego ry",
    "agent ID",
    "resolutionstatus",
    "request_date",
    "resolution_date",
    "webFormGenerationDate",
]


def table_name(plan: FilePlan) -> str:
    """The day's table, e.g. `Web_form_request_2025_11_20`."""
    return WEB_FORMS_TABLE.format(date_underscored=plan.day.isoformat().replace("-", "_"))


def header(plan: FilePlan) -> list[str]:
    """The table's columns, with the drift column on drifted days."""
    return COLUMNS + ([DRIFT_COLUMNS[ENTITY][0]] if plan.drift else [])


def _fields(chunk: ComplaintChunk, drift: bool) -> list[pa.Array]:
    fields = [
        chunk.ids(),
        chunk.customer_ids(),
        chunk.categories(),
        chunk.agent_ids(),
        chunk.statuses(),
        chunk.first_times(),
        chunk.second_times(),
        chunk.generation_dates(),
    ]
    return [*fields, chunk.drift_values()] if drift else fields


class _CopySource:
    """A read()-able file over a stream of byte blocks, as psycopg2's copy_expert wants."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._pending = b""
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            rest, self._pending, self._position = self._pending[self._position :], b"", 0
            return rest + b"".join(self._blocks)
        while len(self._pending) - self._position < size:
            block = next(self._blocks, None)
            if block is None:
                break
            self._pending, self._position = self._pending[self._position :] + block, 0
        out = self._pending[self._position : self._position + size]
        self._position += len(out)
        return out


def _copy_blocks(ctx: RunContext, plan: FilePlan, counts: Counter) -> Iterator[bytes]:
    # COPY's text format: tab-separated, `\N` for null. No generated value holds a tab, a newline or a
    # backslash, so nothing needs escaping, and an empty value is the empty string the source stores.
    record = 0
    for lo, hi in ctx.ranges(plan.rows):
        chunk = ctx.complaint_chunk(plan, lo, hi)
        lines = chunk.expand(text.join(_fields(chunk, plan.drift), "\t"))
        index = text.integers(np.arange(record, record + len(lines), dtype=np.int64))
        record += len(lines)
        tally.add(counts, chunk.tally())
        yield text.body(text.join([index, "\t", lines, "\n"])).to_pybytes()
        ctx.report(f"{ENTITY} {plan.day}", len(lines))


def write_day(ctx: RunContext, connection, plan: FilePlan) -> dict:
    """Replace (or, for a missing day, drop) one day's table; returns its truth."""
    from psycopg2 import sql

    name = table_name(plan)
    columns = header(plan)
    table = sql.Identifier(WEB_FORMS_SCHEMA, name)
    counts: Counter = Counter()
    with connection, connection.cursor() as cursor:  # one transaction: commit on success, roll back on error
        cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(WEB_FORMS_SCHEMA)))
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        if plan.delivered:
            cursor.execute(
                sql.SQL("CREATE TABLE {} ({})").format(
                    table, sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns)
                )
            )
            copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                table, sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            cursor.copy_expert(
                copy.as_string(cursor), _CopySource(_copy_blocks(ctx, plan, counts)), size=1 << 20
            )
    return tally.file_truth(plan, f"{WEB_FORMS_SCHEMA}.{name}", columns, counts, kinds.mess_names(ENTITY))
