"""Stream a CSV (a source file, or PostgreSQL's COPY output) into raw string chunks with exact line numbers.

pyarrow's streaming reader parses in C++ block by block; rows with the wrong field count come to
`invalid_row_handler` with their physical line number (known when parsing is single-threaded), and
every valid row's line is reconstructed from the newlines inside its quoted values.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.csv_guard import RecordGuard
from coretelecoms.extract.records import RawChunk, Reject

BLOCK_SIZE = 1 << 20  # larger blocks raise peak memory with no gain in speed (bench.py)
HEADER_PEEK = 1 << 16
CHUNK_ROWS = 32 * 1024


def _merge(chunks: list[RawChunk]) -> RawChunk:
    if len(chunks) == 1:
        return chunks[0]
    first = chunks[0]
    return RawChunk(
        batch=pa.concat_batches([c.batch for c in chunks]),
        row_label=first.row_label,
        row_numbers=np.concatenate([c.row_numbers for c in chunks]),
        rejects=[r for c in chunks for r in c.rejects],
    )


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read (to see the header), served again before the rest."""

    def __init__(self, head: bytes, rest: pa.NativeFile):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # Fills `buffer` unless the stream ends: a short read means the end to Arrow's CSV reader.
        n = min(len(buffer), len(self._head))
        buffer[:n] = self._head[:n]
        self._head = self._head[n:]
        while n < len(buffer):
            data = self._rest.read(len(buffer) - n)
            if not data:
                break
            buffer[n : n + len(data)] = data
            n += len(data)
        return n


def _read_header(stream: pa.NativeFile, source: str) -> tuple[list[str], pa.NativeFile]:
    """Read the header so every column can be declared as text up front; return it and the whole stream."""
    head = stream.read(HEADER_PEEK)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        raise PipelineError(f"{source}: empty file, expected a CSV header")
    return next(csv.reader(io.StringIO(text))), pa.PythonFile(_Prefixed(head, stream), mode="r")


class CsvChunks:
    """Iterate one CSV stream as RawChunks; `headers` is known as soon as the object exists."""

    def __init__(self, stream: pa.NativeFile, source: str, *, row_label: str = "line"):
        self.source = source
        self.row_label = row_label
        # (record number, raw text, reason, reason kind, physical lines it spans)
        self._pending_rejects: list[tuple[int, str, str, str, int]] = []
        self._rejects_lock = threading.Lock()  # the reader calls _on_invalid_row from its own thread
        # Files count physical lines (the header is line 1); tables count rows, one per record.
        self._count_lines = row_label == "line"
        self._next_line = 2
        self._next_record = 2
        # Records that are not UTF-8 or too long reach the reader as placeholders it rejects (csv_guard.py).
        self._guard = RecordGuard(stream)
        headers, stream = _read_header(pa.PythonFile(self._guard, mode="r"), source)
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
        guarded = self._guard.take(row.text)
        if guarded is not None:
            reason, kind, text = guarded
        else:
            text, reason = row.text, f"expected {row.expected_columns} fields, found {row.actual_columns}"
            kind = f"expected {row.expected_columns} fields"
        with self._rejects_lock:
            self._pending_rejects.append((row.number, text, reason, kind, row.text.count("\n") + 1))
        return "skip"

    def __iter__(self) -> Iterator[RawChunk]:
        # Parsing in small blocks keeps memory low; normalising in larger chunks keeps the fixed cost
        # of each compute call negligible. So blocks are gathered into chunks of CHUNK_ROWS.
        pending: list[RawChunk] = []
        rows = 0
        for chunk in self._blocks():
            pending.append(chunk)
            rows += chunk.batch.num_rows
            if rows >= CHUNK_ROWS:
                yield _merge(pending)
                pending, rows = [], 0
        if pending:
            yield _merge(pending)

    def _blocks(self) -> Iterator[RawChunk]:
        while True:
            try:
                batch = self._reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise PipelineError(f"{self.source}: unreadable CSV ({exc})") from exc
            yield self._chunk(batch)
        if self._pending_rejects:  # rejects after the last valid row
            yield self._chunk(pa.RecordBatch.from_pylist([], schema=self._string_schema), final=True)

    def _chunk(self, batch: pa.RecordBatch, *, final: bool = False) -> RawChunk:
        # Inference is off for strings, but a column of only empty values may still come back as null type.
        if batch.schema != self._string_schema:
            batch = pa.RecordBatch.from_arrays(
                [c if pa.types.is_string(c.type) else pc.cast(c, pa.string()) for c in batch.columns],
                schema=self._string_schema,
            )
        n = batch.num_rows
        # pyarrow numbers rejected rows by record (header = 1); valid rows fill the records in between.
        # The reader parses ahead on its own thread, so rejects of later blocks may already be known:
        # this batch takes only those before its last valid row (all of them once the stream is done).
        records = self._next_record + np.arange(n, dtype=np.int64)
        with self._rejects_lock:
            self._pending_rejects.sort(key=lambda r: r[0])
            taken = 0
            for record, *_ in self._pending_rejects:
                if not final and (n == 0 or record > records[-1]):
                    break
                records[np.searchsorted(records, record, side="left") :] += 1
                taken += 1
            mine, self._pending_rejects = self._pending_rejects[:taken], self._pending_rejects[taken:]
        reject_records = np.array([r for r, *_ in mine], dtype=np.int64)
        self._next_record = int(max(records[-1] + 1 if n else 0, *(reject_records + 1), self._next_record))
        if self._count_lines:
            numbers, reject_numbers = self._physical_lines(batch, records, reject_records, mine)
        else:
            numbers, reject_numbers = records - 1, reject_records - 1  # rows, not counting the header
        rejects = [
            Reject(f"{self.row_label} {number}", text, reason, kind)
            for number, (_, text, reason, kind, _) in zip(reject_numbers, mine, strict=True)
        ]
        return RawChunk(batch=batch, row_label=self.row_label, row_numbers=numbers, rejects=rejects)

    def _physical_lines(
        self, batch: pa.RecordBatch, records: np.ndarray, reject_records: np.ndarray, rejects: list[tuple]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Turn record numbers into the physical lines they start on: quoted newlines add lines."""
        spans = np.ones(batch.num_rows, dtype=np.int64)
        for column in batch.columns:
            spans += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy(zero_copy_only=False)
        reject_spans = np.array([r[-1] for r in rejects], dtype=np.int64)
        all_records = np.concatenate([records, reject_records])
        all_spans = np.concatenate([spans, reject_spans])
        order = np.argsort(all_records, kind="stable")
        starts = np.empty_like(all_spans)
        starts[order] = self._next_line + np.cumsum(all_spans[order]) - all_spans[order]
        if len(all_spans):
            self._next_line = int(starts[order[-1]] + all_spans[order[-1]])
        return starts[: len(records)], starts[len(records) :]
