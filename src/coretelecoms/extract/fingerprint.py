"""A snapshot delivery's content fingerprint: sha256 over its raw records (header and every cell, as delivered).

Hashing the records the source reader yields, not the bytes of the file, makes the fingerprint the
same for every way one content reaches us (a re-saved .xlsx whose zip timestamps changed, a Sheets
API fetch, a CSV file, whatever their chunking: each column is hashed as one stream), and it sees
every cell before any typing, so two deliveries with equal fingerprints hold exactly the same
records. The cost is one pass of sha256 over buffers the engine reads anyway (about 0.3 s for a
73 MB customers file): no second read of the source.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coretelecoms.extract.records import RawChunk


class Fingerprint:
    """Feed the delivery's header and chunks in order; `hexdigest()` names the content."""

    def __init__(self, headers: list[str]):
        self._header = "\x1f".join(headers)
        # Two streams per column, its values' lengths and their bytes: chunking does not matter.
        self._columns = [(hashlib.sha256(), hashlib.sha256()) for _ in headers]
        self._rejects = hashlib.sha256()
        self._rows = 0

    def update(self, chunk: RawChunk) -> None:
        self._rows += chunk.batch.num_rows
        for (lengths, values), column in zip(self._columns, chunk.batch.columns, strict=True):
            _column(lengths, values, column)
        for reject in chunk.rejects:  # rows that never split into fields are part of the content too
            data = reject.raw.encode("utf-8", errors="surrogateescape")
            self._rejects.update(len(data).to_bytes(8, "little") + data)

    def hexdigest(self) -> str:
        total = hashlib.sha256(self._header.encode("utf-8", errors="surrogateescape"))
        total.update(self._rows.to_bytes(8, "little"))
        for lengths, values in self._columns:
            total.update(lengths.digest() + values.digest())
        total.update(self._rejects.digest())
        return "sha256:" + total.hexdigest()


def _column(lengths, values, column: pa.Array) -> None:
    """Every value's length to one stream, its bytes to the other: unambiguous, and no Python loop over rows."""
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    if column.null_count:
        column = pc.fill_null(column, "")
    if len(column) == 0:
        return
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[
        column.offset : column.offset + len(column) + 1
    ]
    data = column.buffers()[2]
    lengths.update(np.diff(offsets).astype("<i4").tobytes())
    if data is not None:
        values.update(memoryview(data)[offsets[0] : offsets[-1]])
