"""`bench json`: readers of the social-media column-oriented JSON, for speed, peak memory and the contract's mess.

Each reader turns the file into what the extract engine takes: the headers, then batches of text
columns (strings unquoted, numbers as written, null as null), so that typing and per-row quarantine
stay the engine's job. Each runs in its own child process (`python -m coretelecoms.bench.json_readers
READER FILE`) that reports its read time and its own peak RSS (VmHWM: exact, where polling would miss
a short peak; per process, so it does not inherit this process's high-water mark) and a digest of
its output, so the readers are checked to agree on every value.

The day is written the way the original producer writes it, pandas' `DataFrame.to_json()`, with the
mess of the contract: an `agent ID` of mixed types (integers, `1035.0`, `"A12"`, null), escaped and
non-ASCII strings, gapped index labels and a drift column. pyarrow's JSON reader needs JSON lines
and one type per column, so it is measured on a JSON-lines copy of the same rows with the mixed
column quoted (what the producer would have to send instead), and on the real layout.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

Batches = tuple[list[str], Iterator["pa.RecordBatch"]]  # noqa: F821 - pyarrow is imported lazily

CATEGORIES = ["Technician Support", "Network Failure", "Router Delivery", "Payments"]
STATUSES = ["Resolved", "Backlog", "In-Progress", "Blocked"]
CHANNELS = ["Instagram", "Twitter", "Facebook", "LinkedIn"]


def write_day(rows: int, path: Path, *, jsonl: Path | None = None) -> None:
    """One social-media day of `rows` rows in pandas' column layout (and optionally as type-stable JSON lines)."""
    import numpy as np
    import pandas as pd

    i = np.arange(rows)
    columns = {
        "complaint_id": np.char.add("Mar0979K65d7920296c349eab5435e5b1aeb39ce", i.astype(str)),
        "customeR iD": np.char.add("6c1d2f4e-0000-4000-8000-", np.char.zfill((i % 100_000).astype(str), 12)),
        "COMPLAINT_catego ry": np.array(CATEGORIES, dtype=object)[i % 4],
        "agent ID": (1000 + i % 100).astype(object),
        "resolutionstatus": np.array(STATUSES)[i % 4],
        "request_date": np.where(i % 997 == 0, "N/A", "2025-11-19 08:15:00"),
        "resolution_date": np.where(i % 4 == 0, "2025-11-19 09:45:00", ""),
        "media_channel": np.array(CHANNELS)[i % 4],
        "MediaComplaintGenerationDate": np.full(rows, "2025-11-20"),
        "sentiment": np.where(i % 3 == 0, "neg", "pos"),  # drift: a column the contract does not name
    }
    frame = pd.DataFrame(columns, index=i * 2)  # gapped labels, as pandas writes them after a filter
    # What pandas writes for an integer column holding a NaN, a stray text id, a null:
    frame.loc[frame.index[i % 101 == 1], "agent ID"] = 1035.0
    frame.loc[frame.index[i % 103 == 2], "agent ID"] = "A12"
    frame.loc[frame.index[i % 107 == 3], "agent ID"] = None
    frame.loc[frame.index[i % 109 == 4], "COMPLAINT_catego ry"] = 'Router "Delivery" \u00e9\\ \u4e2d'
    frame.to_json(path)
    if jsonl is not None:
        quoted = frame.assign(**{"agent ID": frame["agent ID"].map(_text)})
        quoted.to_json(jsonl, orient="records", lines=True)


def _text(value: object) -> str | None:
    """A parsed JSON scalar back to the text the engine takes (what the scanner cuts out of the file)."""
    if value is None or (isinstance(value, float) and value != value):  # pandas turns null into NaN
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _text_batches(headers: list[str], columns: list[list], chunk: int = 128 * 1024) -> Iterator:
    import pyarrow as pa

    arrays = [pa.array([_text(v) for v in values], pa.string()) for values in columns]
    table = pa.table(arrays, names=headers)
    yield from table.to_batches(max_chunksize=chunk)


def read_scanner(path: Path) -> Batches:
    """Ours: the vectorised streaming scanner (extract/json_scan.py + json_columns.py)."""
    import pyarrow as pa

    from coretelecoms.extract.json_columns import ColumnJsonChunks

    chunks = ColumnJsonChunks(pa.input_stream(str(path)), str(path))
    return chunks.headers, (c.batch for c in chunks)


def read_stdlib(path: Path) -> Batches:
    """`json.load`: the whole document as Python objects, then one text array per column."""
    with path.open("rb") as handle:
        doc = json.load(handle)
    if not isinstance(doc, dict) or not all(isinstance(c, dict) for c in doc.values()):
        raise ValueError("expected column-oriented JSON")
    headers = list(doc)
    keys = list(doc[headers[0]]) if headers else []
    for name in headers:
        if list(doc[name]) != keys:
            raise ValueError(f"column {name!r} does not list the same row keys")
    return headers, _text_batches(headers, [list(doc.pop(name).values()) for name in headers])


def read_pandas(path: Path) -> Batches:
    """`pandas.read_json(orient="columns", dtype=False)`: the whole frame, then one text array per column."""
    import pandas as pd

    frame = pd.read_json(path, orient="columns", dtype=False, convert_axes=False)
    headers = [str(c) for c in frame.columns]
    return headers, _text_batches(headers, [frame[c].tolist() for c in frame.columns])


def read_duckdb(path: Path) -> Batches:
    """DuckDB `read_json`: the document as MAP(column, MAP(key, JSON)), each column unnested to text.

    `format='auto'` infers one STRUCT per column with a field per row (9,500 fields; a mixed-type
    column becomes a STRUCT of mixed fields), which no query can use; a MAP keeps values as JSON text.
    """
    import duckdb

    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE cols AS SELECT unnest(map_keys(doc)) AS name, unnest(map_values(doc)) AS m "
        "FROM read_json(?, format='unstructured', records=false, maximum_object_size=2147483647, "
        "columns={'doc': 'MAP(VARCHAR, MAP(VARCHAR, JSON))'})",
        [str(path)],
    )
    headers = [r[0] for r in con.execute("SELECT name FROM cols").fetchall()]

    def batches() -> Iterator:
        import pyarrow as pa

        # json ->> '$' unquotes strings and keeps numbers as written; JSON null arrives as SQL NULL.
        arrays = [
            con.execute("SELECT unnest(map_values(m)) ->> '$' AS v FROM cols WHERE name = ?", [n])
            .to_arrow_table().column("v").combine_chunks()
            for n in headers
        ]  # fmt: skip
        yield from pa.table(arrays, names=headers).to_batches(max_chunksize=128 * 1024)

    return headers, batches()


def read_pyarrow_columns(path: Path) -> Batches:
    """pyarrow.json on the real layout: one row, one STRUCT per column with a field per row key."""
    import pyarrow.json as pj

    table = pj.read_json(str(path), read_options=pj.ReadOptions(block_size=path.stat().st_size + 1))
    raise ValueError(f"pyarrow reads the layout as {table.num_rows} row of {table.num_columns} STRUCTs "
                     f"of {table.schema.field(0).type.num_fields} fields each: not rows")  # fmt: skip


def read_pyarrow_jsonl(path: Path) -> Batches:
    """pyarrow.json on a JSON-lines copy (not the contract's layout): all columns as strings."""
    import pyarrow as pa
    import pyarrow.json as pj

    jsonl = path.with_suffix(".jsonl")
    with jsonl.open("rb") as handle:
        headers = list(json.loads(handle.readline()))
    schema = pa.schema([(h, pa.string()) for h in headers])
    table = pj.read_json(str(jsonl), parse_options=pj.ParseOptions(explicit_schema=schema))
    return headers, iter(table.to_batches(max_chunksize=128 * 1024))


READERS: dict[str, Callable[[Path], Batches]] = {
    "scanner": read_scanner,
    "json.load": read_stdlib,
    "pandas": read_pandas,
    "duckdb": read_duckdb,
    "pyarrow-columns": read_pyarrow_columns,
    "pyarrow-jsonl": read_pyarrow_jsonl,
}
TIMEOUT_S, MAX_RSS = 300, 6 << 30  # a reader past either is stopped and reported so
_WARM = {"scanner": "coretelecoms.extract.json_columns", "pandas": "pandas", "duckdb": "duckdb"}


def _vm_hwm() -> int:
    """This process's peak RSS in bytes, from the kernel's own high-water mark."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def child(reader: str, path: Path) -> dict:
    """Inside the child: import, read the whole file to batches, digest them (untimed); report."""
    import importlib

    import pandas  # noqa: F401 - pyarrow imports it on first use anyway: keep that out of every reader's time
    import pyarrow as pa
    import pyarrow.compute as pc

    importlib.import_module(_WARM.get(reader, "pyarrow.json"))
    baseline = _vm_hwm()
    rows, digesting = 0, 0.0
    started = time.perf_counter()
    try:
        headers, batches = READERS[reader](path)
        # One digest per column: readers cut their batches at different rows.
        digests = [hashlib.sha256(name.encode()) for name in headers]
        for batch in batches:
            mark = time.perf_counter()
            rows += batch.num_rows
            for digest, column in zip(digests, batch.columns, strict=True):  # one C++ join each; not timed
                listed = pa.array([pc.fill_null(column, "\x01")], pa.list_(pa.string()))
                joined = pc.binary_join(listed, "\x00")
                digest.update(joined[0].as_py().encode() + b"\x00")
            digesting += time.perf_counter() - mark
    except Exception as exc:  # the error is the result: does the reader fail clearly, in one line?
        text = str(exc).strip() or type(exc).__name__
        return {"reader": reader, "error": f"{type(exc).__name__}: {text.splitlines()[0][:160]}",
                "error_lines": len(text.splitlines()), "peak_rss_mb": round(_vm_hwm() / 2**20, 1)}  # fmt: skip
    seconds = time.perf_counter() - started - digesting
    peak = _vm_hwm()
    return {"reader": reader, "rows": rows, "columns": len(headers), "read_s": round(seconds, 3),
            "rows_per_s": round(rows / seconds) if seconds else None, "peak_rss_mb": round(peak / 2**20, 1),
            "peak_over_imports_mb": round((peak - baseline) / 2**20, 1), "digest": hashlib.sha256(b"".join(d.digest() for d in digests)).hexdigest()[:16]}  # fmt: skip


def run_reader(reader: str, path: Path, repeat: int = 1) -> dict:
    """One reader in a fresh child process `repeat` times; the fastest run's report (these machines are noisy)."""
    from coretelecoms.bench.child import run_child

    reports = []
    for _ in range(repeat):
        argv = [sys.executable, "-m", "coretelecoms.bench.json_readers", reader, str(path)]
        run = run_child(argv, timeout=TIMEOUT_S, max_rss=MAX_RSS)
        if run.killed:
            return {"reader": reader, "error": f"stopped {run.killed}", "child_wall_s": round(run.seconds, 2)}
        try:
            report = json.loads(run.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            report = {"reader": reader, "error": f"child exit {run.returncode}: {run.tail(200)}"}
        report["child_wall_s"] = round(run.seconds, 2)
        reports.append(report)
        if "error" in report:
            return report
    return min(reports, key=lambda r: r["read_s"])


def _truncate(path: Path, out: Path) -> Path:
    data = path.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


def bench(rows: list[int], readers: list[str], tmp: Path, repeat: int) -> list[dict]:
    """Every reader on every size, plus a truncated copy of the smallest (a clear error expected)."""
    results = []
    for n in rows:
        path = tmp / f"social_{n}.json"
        write_day(n, path, jsonl=path.with_suffix(".jsonl"))
        size_mb = round(path.stat().st_size / 2**20, 1)
        for reader in readers:
            results.append({"rows_in_file": n, "file_mb": size_mb, **run_reader(reader, path, repeat)})
            print(json.dumps(results[-1]), flush=True)
    truncated = _truncate(tmp / f"social_{min(rows)}.json", tmp / "truncated.json")
    for reader in readers:
        if reader != "pyarrow-jsonl":  # it reads the .jsonl copy, not the truncated file
            results.append({"rows_in_file": "truncated", **run_reader(reader, truncated)})
            print(json.dumps(results[-1]), flush=True)
    return results


def main(rows: list[int], readers: str | None, json_path: Path | None, repeat: int = 3) -> int:
    chosen = readers.split(",") if readers else list(READERS)
    unknown = sorted(set(chosen) - set(READERS))
    if unknown:
        print(f"unknown readers {unknown}; known: {list(READERS)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="coretelecoms-json-bench-") as tmp:
        results = bench(sorted(rows), chosen, Path(tmp), repeat)
    if json_path is not None:
        json_path.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], Path(sys.argv[2]))))
