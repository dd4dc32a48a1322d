"""DuckDB's memory and the threads follow the step's limits: a setting, else the container's cgroup (v1 or v2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coretelecoms.settings import Settings
from coretelecoms.transform import default_project_dir
from coretelecoms.transform.resources import (
    Resources,
    cgroup_cpus,
    cgroup_memory_limit,
    parse_size,
    step_resources,
)
from coretelecoms.transform.runner import _environment, _profile_env

GiB = 1024**3


def _cgroup(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")
    return root


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4Gi", 4 * GiB), ("3GB", 3 * 10**9), ("512MiB", 512 * 1024**2), ("1073741824", GiB), ("1.5G", 1_500_000_000)],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


def test_parse_size_refuses_nonsense():
    with pytest.raises(ValueError, match="not a memory size"):
        parse_size("lots")


def test_cgroup_v2_limits(tmp_path):
    root = _cgroup(tmp_path, {"memory.max": str(4 * GiB), "cpu.max": "200000 100000"})
    assert (cgroup_memory_limit(root), cgroup_cpus(root)) == (4 * GiB, 2)
    root = _cgroup(tmp_path / "none", {"memory.max": "max", "cpu.max": "max 100000"})
    assert (cgroup_memory_limit(root), cgroup_cpus(root)) == (None, None)


def test_cgroup_v1_limits(tmp_path):
    root = _cgroup(tmp_path, {"memory/memory.limit_in_bytes": str(2 * GiB), "cpu/cpu.cfs_quota_us": "150000",
                              "cpu/cpu.cfs_period_us": "100000"})  # fmt: skip
    assert (cgroup_memory_limit(root), cgroup_cpus(root)) == (2 * GiB, 2)
    unlimited = _cgroup(tmp_path / "none", {"memory/memory.limit_in_bytes": "9223372036854771712",
                                            "cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"})  # fmt: skip
    assert (cgroup_memory_limit(unlimited), cgroup_cpus(unlimited)) == (None, None)


def test_the_setting_wins_over_the_cgroup(tmp_path):
    root = _cgroup(tmp_path, {"memory.max": str(8 * GiB), "cpu.max": "100000 100000"})
    resources = step_resources({"CORETELECOMS_TRANSFORM_MEMORY": "1Gi"}, root)
    assert resources.memory_bytes == GiB and resources.cpus == 1
    assert resources.duckdb_memory_limit == "614MiB"  # DuckDB's share, 60 %
    assert resources.dbt_threads == 1
    # Without the setting, the cgroup's limit - or the machine's RAM when that is smaller.
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert step_resources({}, root).memory_bytes == min(8 * GiB, physical)


def test_threads_stay_within_the_cpus():
    assert Resources(memory_bytes=None, cpus=16).dbt_threads == 4
    assert Resources(memory_bytes=None, cpus=2).dbt_threads == 2
    assert Resources(memory_bytes=None, cpus=2).duckdb_memory_limit is None


def test_under_a_memory_limit_dbt_runs_one_model_at_a_time(tmp_path):
    """Concurrent models share DuckDB's one memory_limit; within a limit, one at a time (DuckDB uses every CPU)."""
    pod = _cgroup(tmp_path, {"memory.max": str(4 * GiB), "cpu.max": "200000 100000"})
    resources = step_resources({}, pod)
    assert resources.cpus == min(2, os.cpu_count()) and resources.memory_limited
    assert resources.dbt_threads == 1
    assert step_resources({"CORETELECOMS_TRANSFORM_MEMORY": "8GiB"}, pod).dbt_threads == 1
    # No limit anywhere: the machine's RAM bounds DuckDB, and dbt overlaps models across the CPUs.
    host = _cgroup(tmp_path / "host", {"memory.max": "max", "cpu.max": "max 100000"})
    assert not step_resources({}, host).memory_limited
    assert step_resources({}, host).dbt_threads == min(4, os.cpu_count())


def test_duckdb_in_dbt_runs_with_the_step_memory_limit(tmp_path, monkeypatch):
    """The limit reaches DuckDB through the profile: dbt's own connection reports it."""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("CORETELECOMS_TRANSFORM_MEMORY", "1GiB")
    settings = Settings(home=tmp_path, duckdb_path=tmp_path / "warehouse.duckdb", warehouse="duckdb")
    project = str(default_project_dir())
    with _environment(_profile_env(settings)):
        outcome = dbtRunner().invoke(
            ["show", "--project-dir", project, "--profiles-dir", project, "--target-path", str(tmp_path / "t"),
             "--log-path", str(tmp_path / "l"), "--log-level", "none", "--output", "json",
             "--inline", "select current_setting('memory_limit') as m, current_setting('threads') as t"]
        )  # fmt: skip
    assert outcome.success, outcome.exception
    [row] = outcome.result.results[0].agate_table.rows
    # 60 % of 1 GiB = 614 MiB, which DuckDB reports in its own units.
    assert row[0] == "614.0 MiB"
