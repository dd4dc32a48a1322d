"""Stream pandas' column-oriented JSON (`{"col": {"0": v, "1": v}, ...}`) into row chunks, memory bounded.

The layout holds a whole column before the next begins, so rows cannot be formed on the fly. One
streaming pass (ijson's C parser) spills every column to its own Arrow file on local disk in slices;
then the columns are read back side by side, memory-mapped, and zipped into row chunks. Memory stays
at a few slices whatever the file's size; nothing is yielded until the whole file has parsed, so a
truncated file fails before anything reaches the lake.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.records import RawChunk

SPILL_ROWS = 64 * 1024
CHUNK_ROWS = 128 * 1024
_SPILL_SCHEMA = pa.schema([pa.field("key", pa.string()), pa.field("value", pa.string())])


def _text(value: object) -> str | None:
    """A JSON scalar as the text a CSV would have carried; null stays null."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _ColumnSpill:
    """One column's (key, value) pairs, appended in slices to an Arrow IPC file."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        self._keys: list[str] = []
        self._values: list[str | None] = []
        self._writer = pa.ipc.new_file(str(path), _SPILL_SCHEMA)

    def append(self, key: str, value: object) -> None:
        self._keys.append(key)
        self._values.append(_text(value))
        if len(self._keys) >= SPILL_ROWS:
            self.flush()

    def flush(self) -> None:
        if self._keys:
            self._writer.write_batch(
                pa.record_batch(
                    [pa.array(self._keys, pa.string()), pa.array(self._values, pa.string())],
                    schema=_SPILL_SCHEMA,
                )
            )
            self.rows += len(self._keys)
            self._keys, self._values = [], []

    def close(self) -> pa.Table:
        self.flush()
        self._writer.close()
        return pa.ipc.open_file(pa.memory_map(str(self.path))).read_all()


class ColumnJsonChunks:
    """Parse the whole file once (spilling to disk), then iterate it as RawChunks of rows."""

    def __init__(self, stream: pa.NativeFile, source: str):
        import ijson

        self.source = source
        self._tmp = tempfile.TemporaryDirectory(prefix="coretelecoms-json-")
        spills: dict[str, _ColumnSpill] = {}
        column: _ColumnSpill | None = None
        key = ""
        depth = 0
        try:
            for _prefix, event, value in ijson.parse(stream, use_float=True):
                if event == "map_key":
                    if depth == 1:
                        if value in spills:
                            raise PipelineError(f"{source}: column {value!r} appears twice")
                        column = spills[value] = _ColumnSpill(Path(self._tmp.name) / f"{len(spills)}.arrow")
                    else:
                        key = value
                elif event == "start_map":
                    depth += 1
                    if depth > 2:
                        raise PipelineError(
                            f"{source}: nested object under key {key!r}; expected column-oriented JSON"
                        )
                elif event == "end_map":
                    depth -= 1
                elif event == "start_array":
                    raise PipelineError(f"{source}: unexpected array; expected column-oriented JSON")
                elif depth == 2 and column is not None:
                    column.append(key, value)
                else:
                    raise PipelineError(f"{source}: expected an object of columns, found a {event} value")
        except ijson.JSONError as exc:
            self._tmp.cleanup()
            raise PipelineError(f"{source}: invalid or truncated JSON ({exc})") from exc
        except BaseException:
            self._tmp.cleanup()
            raise
        self.headers: list[str] = list(spills)
        self._columns = {name: spill.close() for name, spill in spills.items()}
        self._check_aligned()

    def _check_aligned(self) -> None:
        """Every column must describe the same rows in the same order (pandas writes them so)."""
        tables = list(self._columns.values())
        if not tables:
            return
        first = tables[0].column("key")
        for name, table in self._columns.items():
            if table.num_rows != first.length() or not pc.all(pc.equal(table.column("key"), first)).as_py():
                self._tmp.cleanup()
                raise PipelineError(
                    f"{self.source}: column {name!r} does not list the same row keys as {self.headers[0]!r}"
                )

    def __iter__(self) -> Iterator[RawChunk]:
        try:
            if not self._columns:
                return
            keys = next(iter(self._columns.values())).column("key")
            for offset in range(0, keys.length(), CHUNK_ROWS):
                arrays = [
                    t.column("value").slice(offset, CHUNK_ROWS).combine_chunks()
                    for t in self._columns.values()
                ]
                batch = pa.RecordBatch.from_arrays(arrays, names=self.headers)
                yield RawChunk(batch=batch, row_label="index", first_row=offset)
        finally:
            self._columns = {}
            self._tmp.cleanup()
