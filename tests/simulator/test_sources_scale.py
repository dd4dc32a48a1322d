"""Volumes are linear in scale, generation is fast, and memory does not grow with the rows."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sources_runs import run_sources

# SOURCES.md, "Real volumes": ≈ 2.5 M customers, 100 agents, ≈ 380 k calls, ≈ 70 k web forms, ≈ 9.5 k social a day.
REAL = {"customers": 2_500_000, "call-logs": 380_000, "web-forms": 70_000, "social-media": 9_500}


def _mean_daily(entities: dict, entity: str) -> float:
    days = entities[entity]["days"].values()
    return sum(d["rows"] for d in days) / len(days)


def test_volumes_keep_the_real_ratios_at_small_scale(tmp_path, sources_pg):
    entities = run_sources(tmp_path, sources_pg, date(2026, 5, 1), 6, scale=2).manifest["entities"]
    customers = entities["customers"]["rows"]
    assert 9_500 < customers < 10_800  # scale 1 is the real volume / 500: 5,000 customers (+ duplicates)
    for entity in ("call-logs", "web-forms", "social-media"):
        ratio = _mean_daily(entities, entity) / customers
        expected = REAL[entity] / REAL["customers"]
        assert abs(ratio / expected - 1) < 0.12, (entity, ratio, expected)
    assert 100 <= entities["agents"]["rows"] <= 104  # 100 agents (+ a few duplicate rows)


def test_volumes_are_linear_in_scale_but_agents_are_not(tmp_path):
    small = run_sources(tmp_path / "small", None, date(2025, 11, 20), 2, scale=0.5).manifest["entities"]
    large = run_sources(tmp_path / "large", None, date(2025, 11, 20), 2, scale=2.0).manifest["entities"]
    assert 3.5 < large["customers"]["rows"] / small["customers"]["rows"] < 4.5
    assert large["agents"]["distinct_ids"] == small["agents"]["distinct_ids"]  # agents do not multiply
    for entity in ("call-logs", "social-media"):
        for day, truth in large[entity]["days"].items():
            assert 3.3 < truth["rows"] / small[entity]["days"][day]["rows"] < 4.7


def test_scale_and_volume_exclude_each_other(tmp_path):
    from coretelecoms.simulator import volume_scale

    assert volume_scale(None, None) == 1.0 and volume_scale(3.0, None) == 3.0
    assert volume_scale(None, "real") == 500.0  # 500 x scale 1 = the real volumes
    home = tmp_path / "home"
    out = subprocess.run(
        [sys.executable, "-m", "coretelecoms", "--home", str(home), "sources", "generate",
         "--start", "2025-11-20", "--days", "1", "--scale", "2", "--volume", "real"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 2, out.stderr
    assert "--scale and --volume exclude each other" in out.stderr
    assert not home.exists() or not any(home.rglob("*.csv"))  # refused before writing anything


def test_a_day_at_scale_100_takes_seconds(tmp_path):
    began = time.perf_counter()
    manifest = run_sources(tmp_path, None, date(2025, 11, 20), 1, scale=100).manifest
    elapsed = time.perf_counter() - began
    assert manifest["entities"]["call-logs"]["totals"]["rows"] > 68_000
    assert elapsed < 30, f"one day at scale 100 (500k customers, 76k calls) took {elapsed:.1f}s"


def _generate_measured(home: Path, dsn: str, *volume: str) -> tuple[dict, float]:
    """Run `coretelecoms sources generate` under /usr/bin/time -v: (truth manifest, peak RSS in MB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    completed = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "coretelecoms", "--log-level", "ERROR", "--home", str(home),
         "sources", "generate", "--start", "2026-08-01", "--days", "1", *volume],
        env={**env, "CORETELECOMS_POSTGRES_DSN": dsn}, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    peak_kb = re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr)
    manifest = json.loads((home / "sources" / "bucket" / "_truth" / "manifest.json").read_text())
    return manifest, int(peak_kb[1]) / 1024


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/time").exists(), reason="needs GNU time for the peak RSS")
def test_real_volume_in_bounded_memory(tmp_path, sources_pg):
    # `--volume real`: the original volumes, streamed chunk by chunk; a tenth of it needs about as much memory.
    tenth, tenth_peak = _generate_measured(tmp_path / "tenth", sources_pg, "--scale", "50")
    real, real_peak = _generate_measured(tmp_path / "real", sources_pg, "--volume", "real")
    entities = real["entities"]
    assert real["scale"] == 500.0
    assert abs(entities["customers"]["distinct_ids"] / REAL["customers"] - 1) < 0.05
    assert entities["agents"]["distinct_ids"] <= 100
    for entity in ("call-logs", "web-forms", "social-media"):
        assert abs(_mean_daily(entities, entity) / REAL[entity] - 1) < 0.12, entity
    size_mb = (
        tmp_path / "real" / "sources" / "bucket" / "customers" / "customers_dataset.csv"
    ).stat().st_size / 1e6
    assert 300 < size_mb < 420  # SOURCES.md: one CSV of ≈ 350 MB
    assert real_peak < 1024, f"peak RSS {real_peak:.0f} MB at real volume"
    assert real_peak < tenth_peak + 150, (tenth_peak, real_peak)
    assert entities["customers"]["rows"] > 9 * tenth["entities"]["customers"]["rows"]
