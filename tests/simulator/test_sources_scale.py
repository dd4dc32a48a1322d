"""Volumes are linear in scale, generation is fast, and memory does not grow with the rows."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date

import pytest
from sources_runs import run_sources


def test_volumes_are_linear_in_scale(tmp_path):
    small = run_sources(tmp_path / "small", None, date(2025, 11, 20), 2, scale=0.5).manifest["entities"]
    large = run_sources(tmp_path / "large", None, date(2025, 11, 20), 2, scale=2.0).manifest["entities"]
    for entity in ("customers", "agents"):
        assert 3.5 < large[entity]["rows"] / small[entity]["rows"] < 4.5
    assert 2800 < large["customers"]["rows"] / 2 < 3200  # ~3,000 customers at scale 1
    assert 85 < large["agents"]["rows"] / 2 < 100  # 90 agents at scale 1
    for entity in ("call-logs", "social-media"):
        for day, truth in large[entity]["days"].items():
            assert 540 <= truth["rows"] <= 700  # ~300 a day at scale 1, +-10 %, plus duplicates
            assert 3.5 < truth["rows"] / small[entity]["days"][day]["rows"] < 4.5


def test_a_day_at_scale_100_takes_seconds(tmp_path):
    began = time.perf_counter()
    manifest = run_sources(tmp_path, None, date(2025, 11, 20), 1, scale=100).manifest
    elapsed = time.perf_counter() - began
    assert manifest["entities"]["call-logs"]["totals"]["rows"] > 27_000
    assert elapsed < 30, f"one day at scale 100 (300k customers, 30k records a channel) took {elapsed:.1f}s"


_MEASURE = """
import json, resource, sys
from datetime import date
from pathlib import Path
from coretelecoms.simulator import GenerateConfig, generate
root, scale = Path(sys.argv[1]), float(sys.argv[2])
config = GenerateConfig((root / "bucket").as_uri(), root / "agents.csv", None, date(2025, 11, 20), 1, scale=scale)
manifest = generate(config)
rows = manifest["entities"]["call-logs"]["totals"]["rows"]
print(json.dumps({"rows": rows, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _peak(tmp_path, scale: float) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(tmp_path / str(scale)), str(scale)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_memory_does_not_grow_with_rows(tmp_path):
    # Ten times the records (3 M customers, 300k a channel) must not need ten times the memory.
    small = _peak(tmp_path, 100)
    large = _peak(tmp_path, 1000)
    assert large["rows"] > 9 * small["rows"]
    assert large["peak_mb"] < small["peak_mb"] + 150, (small, large)
