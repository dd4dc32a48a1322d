"""`bench web-forms`: our web-forms extract against `COPY … TO STDOUT (FORMAT binary)` read to nowhere.

A table of N generated rows is filled with COPY FROM; the floor is the fastest of two binary COPYs
out of it; our extract runs in a child process (`coretelecoms extract web-forms`) for its own peak RSS.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from coretelecoms.bench.child import clean_env, mb, run_extract_child
from coretelecoms.common.entities import WEB_FORMS_SCHEMA
from coretelecoms.extract.postgres import table_name

DAY = date(2025, 11, 20)
FILL_CHUNK = 250_000


def _columns(start: int, n: int) -> dict[str, np.ndarray]:
    i = np.arange(start, start + n)
    return {
        "Column1": i.astype(str),
        "request_id": np.char.add("WF", i.astype(str)),
        "customeR iD": np.char.add("6c1d2f4e-0000-4000-8000-", np.char.zfill((i % 100_000).astype(str), 12)),
        "COMPLAINT_catego ry": np.array(
            ["Payments", "Network Failure", "Router Delivery", "Technician Support"]
        )[i % 4],
        "agent ID": (1000 + i % 90).astype(str),
        "resolutionstatus": np.array(["Resolved", "Backlog", "In-Progress", "Blocked"])[i % 4],
        "request_date": np.where(i % 997 == 0, "N/A", "2025-11-19 08:15:00"),
        "resolution_date": np.where(i % 4 == 0, "2025-11-19 09:45:00", ""),
        "webFormGenerationDate": np.full(n, DAY.isoformat()),
    }


def _csv_chunk(columns: dict[str, np.ndarray]) -> bytes:
    rows = columns[next(iter(columns))]
    out = rows.astype(object)
    for values in list(columns.values())[1:]:
        out = np.char.add(np.char.add(out.astype(str), ","), values.astype(str))
    return ("\n".join(out.tolist()) + "\n").encode()


def fill_web_forms(dsn: str, rows: int) -> str:
    """Create the day's web-form table with `rows` generated rows (COPY FROM, chunked)."""
    import psycopg2

    table = f'{WEB_FORMS_SCHEMA}."{table_name(DAY)}"'
    names = list(_columns(0, 1))
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {WEB_FORMS_SCHEMA}")
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"CREATE TABLE {table} ({', '.join(f'{chr(34)}{n}{chr(34)} text' for n in names)})")
        for start in range(0, rows, FILL_CHUNK):
            data = _csv_chunk(_columns(start, min(FILL_CHUNK, rows - start)))
            cur.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv)", io.BytesIO(data))
        cur.execute(f"ANALYZE {table}")
    return table


class _Nowhere(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)


def copy_floor_seconds(dsn: str, table: str) -> float:
    import psycopg2

    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        cur.copy_expert(f"COPY (SELECT * FROM {table}) TO STDOUT (FORMAT binary)", _Nowhere(), size=1 << 20)
        return time.perf_counter() - started


def bench_web_forms(rows: int, dsn: str, home: Path) -> dict:
    table = fill_web_forms(dsn, rows)
    floor = min(copy_floor_seconds(dsn, table) for _ in range(2))
    env = clean_env(CORETELECOMS_HOME=str(home), CORETELECOMS_POSTGRES_DSN=dsn)
    seconds, peak, summary = run_extract_child("web-forms", DAY, env)
    return {
        "entity": "web-forms",
        "rows": rows,
        "copy_floor_rows_per_s": round(rows / floor),
        "extract_rows_per_s": round(rows / seconds),
        "ratio_to_floor": round(floor / seconds, 3),
        "extract_seconds": round(seconds, 2),
        "peak_rss_mb": mb(peak),
        "reconciles": summary["rows_read"] == summary["rows_written"] + summary["rows_quarantined"] == rows,
    }


def main(rows: int) -> None:
    from coretelecoms.common.postgres import postgres_dsn

    with (
        tempfile.TemporaryDirectory(prefix="coretelecoms-bench-") as tmp,
        postgres_dsn(os.environ.get("CORETELECOMS_POSTGRES_DSN"), Path(tmp) / "pg") as dsn,
    ):
        print(json.dumps(bench_web_forms(rows, dsn, Path(tmp) / "home")))
