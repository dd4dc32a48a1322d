"""Web-form requests: one PostgreSQL table a day, `customer_complaints.web_form_request_YYYY_MM_DD`, filled by COPY.

Each day is replaced in one transaction (drop both spellings, create, copy), so a reader sees the old
table or the new one, never a half-filled one. Rows stream to the server through a file-like producer,
chunk by chunk. The table's spelling and column types follow `webform_layout`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coretelecoms.simulator import kinds, tally, text
from coretelecoms.simulator.complaints import DRIFT_COLUMNS, ComplaintChunk
from coretelecoms.simulator.context import GenerationContext
from coretelecoms.simulator.plan import FilePlan
from coretelecoms.simulator.webform_layout import (
    COLUMNS,
    SCHEMA,
    TIMESTAMP_TYPES,
    column_type,
    every_spelling,
    table_names,
)

ENTITY = "web-forms"
_NULL = "\\N"  # COPY's text-format null
_ZONE = {"timestamp": "", "timestamptz": "+00"}  # the instant the text form names, in UTC


def header(plan: FilePlan) -> list[str]:
    """The table's columns, with the drift column on drifted days."""
    return COLUMNS + ([DRIFT_COLUMNS[ENTITY][0]] if plan.drift else [])


def _typed_time(chunk: ComplaintChunk, values: pa.Array, types, column: str) -> pa.Array:
    # A real timestamp column carries fractional seconds; an unresolved request holds NULL, not ''.
    kind = column_type(types, column)
    if kind not in TIMESTAMP_TYPES:
        return values
    timed = text.join([values, chunk.fractions(column), _ZONE[kind]])
    empty = np.asarray(pc.equal(values, "").to_numpy(zero_copy_only=False), dtype=bool)
    return text.where(empty, _NULL, timed)


def _fields(chunk: ComplaintChunk, drift: bool, types) -> list[pa.Array]:
    fields = [
        chunk.ids(),
        chunk.customer_ids(),
        chunk.categories(),
        chunk.agent_ids(),
        chunk.statuses(),
        _typed_time(chunk, chunk.first_times(), types, "request_date"),
        _typed_time(chunk, chunk.second_times(), types, "resolution_date"),
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


def _copy_blocks(ctx: GenerationContext, plan: FilePlan, counts: Counter) -> Iterator[bytes]:
    # COPY's text format: tab-separated, `\N` for null. No generated value holds a tab, a newline or a
    # backslash, so nothing needs escaping, and an empty value is the empty string the source stores.
    record = 0
    types = ctx.config.web_form_types
    for lo, hi in ctx.ranges(plan.rows):
        chunk = ctx.complaint_chunk(plan, lo, hi)
        lines = chunk.expand(text.join(_fields(chunk, plan.drift, types), "\t"))
        index = text.integers(np.arange(record, record + len(lines), dtype=np.int64))
        record += len(lines)
        tally.add(counts, chunk.tally())
        yield text.body(text.join([index, "\t", lines, "\n"])).to_pybytes()
        ctx.report(f"{ENTITY} {plan.day}", len(lines))


def write_day(ctx: GenerationContext, connection, plan: FilePlan) -> dict:
    """Replace (or, for a missing day, drop) one day's table; returns its truth.

    Both spellings of the day's table are dropped first, so a run never leaves an earlier run's other
    spelling behind; a `two-tables` day then gets the same rows under both names.
    """
    from psycopg2 import sql

    names = table_names(plan.day, ctx.config.web_form_table_case, both=plan.status == "two-tables")
    columns = header(plan)
    types = ctx.config.web_form_types
    counts: Counter = Counter()
    with connection, connection.cursor() as cursor:  # one transaction: commit on success, roll back on error
        cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        for name in every_spelling(plan.day):
            cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(SCHEMA, name)))
        if plan.status != "missing":
            table = sql.Identifier(SCHEMA, names[0])
            definition = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(column_type(types, c))) for c in columns
            )
            cursor.execute(sql.SQL("CREATE TABLE {} ({})").format(table, definition))
            copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                table, sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            cursor.copy_expert(
                copy.as_string(cursor), _CopySource(_copy_blocks(ctx, plan, counts)), size=1 << 20
            )
            for other in names[1:]:
                twin = sql.Identifier(SCHEMA, other)
                cursor.execute(sql.SQL("CREATE TABLE {} AS TABLE {}").format(twin, table))
    if not plan.delivered:  # missing, or two candidate tables: the day's extract fails, nothing reaches RAW
        counts = Counter()
    truth = tally.file_truth(plan, f"{SCHEMA}.{names[0]}", columns, counts, kinds.mess_names(ENTITY))
    truth["tables"] = [f"{SCHEMA}.{name}" for name in names] if plan.status != "missing" else []
    truth["column_types"] = {c: column_type(types, c) for c in columns}
    return truth
