"""Stream a CSV (a source file, or PostgreSQL's COPY output) into raw string chunks with exact line numbers.

pyarrow's streaming reader parses in C++ block by block; rows with the wrong field count come to
`invalid_row_handler` with their physical line number (known when parsing is single-threaded), and
every valid row's line is reconstructed from the newlines inside its quoted values.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.records import RawChunk, Reject

BLOCK_SIZE = 8 << 20
HEADER_PEEK = 1 << 16


def _peek_header(stream: pa.BufferedInputStream, source: str) -> list[str]:
    """Read the header line without consuming it, so every column can be declared as text up front."""
    head = stream.peek(HEADER_PEEK).decode("utf-8", errors="replace").lstrip("\ufeff")
    if not head.strip():
        raise PipelineError(f"{source}: empty file, expected a CSV header")
    return next(csv.reader(io.StringIO(head)))


class CsvChunks:
    """Iterate one CSV stream as RawChunks; `headers` is known as soon as the object exists."""

    def __init__(self, stream: pa.NativeFile, source: str, *, row_label: str = "line"):
        self.source = source
        self.row_label = row_label
        self._pending_rejects: list[tuple[int, int, Reject]] = []
        # Files count physical lines (the header is line 1); tables count rows, one per record.
        self._count_lines = row_label == "line"
        self._next_line = 2 if self._count_lines else 1
        stream = pa.BufferedInputStream(stream, buffer_size=HEADER_PEEK)
        headers = _peek_header(stream, source)
        try:
            self._reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(block_size=BLOCK_SIZE, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=self._on_invalid_row
                ),
                # Every column is read as text: typing is schema-on-write's job, with quarantine.
                convert_options=pacsv.ConvertOptions(
                    column_types={h: pa.string() for h in headers},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise PipelineError(f"{source}: not a readable CSV ({exc})") from exc
        self.headers: list[str] = self._reader.schema.names
        self._string_schema = pa.schema([pa.field(h, pa.string()) for h in self.headers])

    def _on_invalid_row(self, row: pacsv.InvalidRow) -> str:
        span = row.text.count("\n") + 1
        reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        self._pending_rejects.append(
            (row.number, span, Reject(f"{self.row_label} {row.number}", row.text, reason))
        )
        return "skip"

    def __iter__(self) -> Iterator[RawChunk]:
        while True:
            try:
                batch = self._reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise PipelineError(f"{self.source}: unreadable CSV ({exc})") from exc
            yield self._chunk(batch)
        if self._pending_rejects:  # rejects after the last valid row
            yield self._chunk(pa.RecordBatch.from_pylist([], schema=self._string_schema))

    def _chunk(self, batch: pa.RecordBatch) -> RawChunk:
        # Inference is off for strings, but a column of only empty values may still come back as null type.
        if batch.schema != self._string_schema:
            batch = pa.RecordBatch.from_arrays(
                [c if pa.types.is_string(c.type) else pc.cast(c, pa.string()) for c in batch.columns],
                schema=self._string_schema,
            )
        spans = np.ones(batch.num_rows, dtype=np.int64)
        if self._count_lines:
            for column in batch.columns:
                spans += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy(zero_copy_only=False)
        starts = self._next_line + np.cumsum(spans) - spans
        rejects = []
        for line, span, reject in self._pending_rejects:
            shift_from = np.searchsorted(starts, line, side="left")
            starts[shift_from:] += span
            rejects.append(reject)
        ends = [int(starts[-1] + spans[-1])] if batch.num_rows else []
        ends += [line + span for line, span, _ in self._pending_rejects]
        self._next_line = max([self._next_line, *ends])
        self._pending_rejects = []
        return RawChunk(batch=batch, row_label=self.row_label, row_numbers=starts, rejects=rejects)
