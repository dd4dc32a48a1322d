"""SIGKILL a real extract mid-write: readers never see a partial partition, and a re-run converges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROWS = 1_500_000
KEY = "call logs/call_logs_day_2025-11-20.csv"


def _big_call_log(path: Path) -> None:
    i = np.arange(ROWS)
    ids = pa.array(np.char.add("CALL", i.astype(str)))
    table = pa.table(
        {
            "": pa.array(i),
            "call ID": ids,
            "customeR iD": pa.array(np.char.add("cust-", (i % 5000).astype(str))),
            "COMPLAINT_catego ry": pa.array(np.where(i % 2, "Payments", "Network Failure")),
            "agent ID": pa.array(1000 + i % 90),
            "call_start_time": pa.array(np.where(i % 1000 == 7, "N/A", "2025-10-01 10:00:00")),
            "call_end_time": pa.array(["2025-10-01 10:20:00"] * ROWS),
            "resolutionstatus": pa.array(["Resolved"] * ROWS),
            "callLogsGenerationDate": pa.array(["2025-11-20"] * ROWS),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def _extract(home: Path, lake: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    env.update(CORETELECOMS_HOME=str(home), CORETELECOMS_LAKE_URL=str(lake))
    return subprocess.Popen(
        [sys.executable, "-m", "coretelecoms", "--log-level", "ERROR", "extract", "call-logs", "--date", "2025-11-20"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _lake_state(lake: Path) -> dict[str, pa.Table]:
    return {
        p.relative_to(lake).as_posix(): pq.read_table(p).drop_columns(["_ingested_at", "_run_id"])
        for p in sorted(lake.rglob("*.parquet"))
        if "_tmp" not in p.parts
    }


def test_sigkill_mid_extract_then_rerun_converges(tmp_path):
    home = tmp_path / "home"
    _big_call_log(home / "sources" / "bucket" / KEY)

    reference_lake = tmp_path / "reference"
    assert _extract(home, reference_lake).wait(timeout=300) == 0
    reference = _lake_state(reference_lake)
    assert len(reference) == 2

    lake = tmp_path / "lake"
    victim = _extract(home, lake)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the temporary Parquet file has data in it
        tmp_files = list((lake / "_tmp").rglob("*.parquet")) if (lake / "_tmp").exists() else []
        if any(f.stat().st_size > 0 for f in tmp_files):
            break
        assert victim.poll() is None, "extract finished before it could be killed; raise ROWS"
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    assert _lake_state(lake) == {}, "a killed extract must not leave a visible partition"

    assert _extract(home, lake).wait(timeout=300) == 0
    state = _lake_state(lake)
    assert state.keys() == reference.keys()
    for name, table in state.items():
        assert table.equals(reference[name]), name
    assert state["raw/call-logs/ingest_date=2025-11-20/part-00000.parquet"].num_rows == ROWS - ROWS // 1000
