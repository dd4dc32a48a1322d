"""Benchmarks, reported as ratios against a floor measured in the same run (these machines are noisy).

`web-forms`: fill a web-form table with N rows, then time `COPY … TO STDOUT (FORMAT binary)` read to
nowhere (the floor) and our extract of the same table in a child process (for its own peak RSS).
`files`: generate one day at a simulator scale, then time our call-log and social-media extracts in
this process against naive readers of the same files (pyarrow's CSV reader to nowhere; pandas'
read_json, which loads the whole column-oriented file).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

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


def run_extract_child(entity: str, env: dict[str, str]) -> tuple[float, int, dict]:
    """Run `coretelecoms extract` in a child; return (seconds, its peak RSS in bytes, summary).

    The peak is sampled with psutil: the child's own ru_maxrss would inherit this (larger) process's
    high-water mark across fork+exec.
    """
    import psutil

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "coretelecoms", "--log-level", "WARNING", "--log-format", "json",
             "extract", entity, "--date", DAY.isoformat(), "--json"],
            env=env, stdout=out, stderr=err,
        )  # fmt: skip
        watched, peak = psutil.Process(child.pid), 0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, watched.memory_info().rss)
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"extract failed: {err.read().decode()[-500:]}")
        return seconds, peak, json.loads(out.read())


def bench_web_forms(rows: int, dsn: str, home: Path) -> dict:
    table = fill_web_forms(dsn, rows)
    floor = min(copy_floor_seconds(dsn, table) for _ in range(2))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    env.update(CORETELECOMS_HOME=str(home), CORETELECOMS_POSTGRES_DSN=dsn)
    seconds, peak, summary = run_extract_child("web-forms", env)
    return {
        "entity": "web-forms",
        "rows": rows,
        "copy_floor_rows_per_s": round(rows / floor),
        "extract_rows_per_s": round(rows / seconds),
        "ratio_to_floor": round(floor / seconds, 3),
        "extract_seconds": round(seconds, 2),
        "peak_rss_mb": round(peak / 2**20, 1),
        "reconciles": summary["rows_read"] == summary["rows_written"] + summary["rows_quarantined"] == rows,
    }


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_files(scale: float, home: Path) -> list[dict]:
    """One generated day at `scale`: our call-log and social-media extracts against naive readers."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from coretelecoms.extract.engine import RunContext
    from coretelecoms.extract.files import source_file
    from coretelecoms.extract.sources import extract
    from coretelecoms.lake.filesystem import locate
    from coretelecoms.settings import Settings
    from coretelecoms.simulator.generate import GenerateConfig, generate

    settings = Settings(home=home)
    generate(GenerateConfig(source_url=settings.source_url, agents_path=home / "agents.xlsx",
                            postgres_dsn=None, start=DAY, days=1, scale=scale))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    env.update(CORETELECOMS_HOME=str(home))

    def read_csv_to_nowhere(path: str) -> None:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            names = next(csv.reader(handle))
        options = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
        skip = pacsv.ParseOptions(invalid_row_handler=lambda _row: "skip")
        for _ in pacsv.open_csv(path, parse_options=skip, convert_options=options):
            pass

    def pandas_read_json(path: str) -> None:
        import pandas as pd

        pd.read_json(path, orient="columns", dtype=False)

    baselines = {
        "call-logs": ("pyarrow.csv streaming read to nowhere", read_csv_to_nowhere),
        "social-media": ("pandas.read_json (loads the whole file)", pandas_read_json),
    }
    results = []
    for entity, (baseline_name, baseline) in baselines.items():
        from coretelecoms.common.entities import ENTITIES

        path = source_file(settings.source_url, ENTITIES[entity], DAY).path
        ctx = RunContext(lake=locate(settings.lake_url), day=DAY, run_id="bench")
        base = min(_timed(lambda: baseline(path)) for _ in range(3))  # noqa: B023 - called at once
        summaries = []
        ours = min(_timed(lambda: summaries.append(extract(entity, settings, ctx))) for _ in range(3))  # noqa: B023
        rows = summaries[-1].rows_read
        _, peak, _ = run_extract_child(entity, env)
        results.append({
            "entity": entity, "rows": rows, "baseline": baseline_name,
            "baseline_rows_per_s": round(rows / base), "extract_rows_per_s": round(rows / ours),
            "ratio_to_baseline": round(base / ours, 3), "peak_rss_mb": round(peak / 2**20, 1),
        })  # fmt: skip
    return results


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["web-forms", "files"], default="web-forms")
    parser.add_argument("--rows", type=int, default=1_000_000, help="web-forms: rows in the table")
    parser.add_argument("--scale", type=float, default=1000, help="files: simulator scale of the day")
    args = parser.parse_args(argv)
    from coretelecoms.common.postgres import postgres_dsn

    with tempfile.TemporaryDirectory(prefix="coretelecoms-bench-") as tmp:
        if args.what == "files":
            for result in bench_files(args.scale, Path(tmp) / "home"):
                print(json.dumps(result))
            return
        dsn_env = os.environ.get("CORETELECOMS_POSTGRES_DSN")
        with postgres_dsn(dsn_env, Path(tmp) / "pg") as dsn:
            print(json.dumps(bench_web_forms(args.rows, dsn, Path(tmp) / "home")))


if __name__ == "__main__":
    main()
