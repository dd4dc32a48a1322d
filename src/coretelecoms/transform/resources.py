"""How much memory and how many threads dbt and DuckDB may use: a setting, else the container's cgroup limits."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# DuckDB gets this share of the step's memory: the rest is for Python, dbt's manifest and Arrow
# buffers, which DuckDB's memory_limit does not cover.
DUCKDB_SHARE = 0.6
# A cgroup v1 "no limit" is a huge number (PAGE_COUNTER_MAX pages); anything above this is none.
_UNLIMITED = 1 << 60
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}


@dataclass(frozen=True)
class Resources:
    """What the step may use: bytes of memory (None = no known limit), CPUs, and whether the memory is a
    limit the step must stay within (a setting or the container's cgroup) rather than the machine's RAM."""

    memory_bytes: int | None
    cpus: int
    memory_limited: bool = False

    @property
    def duckdb_memory_limit(self) -> str | None:
        """DuckDB's `memory_limit` setting, e.g. '2457MiB'; None leaves DuckDB's default (80 % of RAM)."""
        if self.memory_bytes is None:
            return None
        return f"{max(64, int(self.memory_bytes * DUCKDB_SHARE) // 1024**2)}MiB"

    @property
    def dbt_threads(self) -> int:
        """How many models dbt runs at once: no more than the CPUs, and one under a memory limit.

        DuckDB already runs each query on every CPU of the step. Models run concurrently share one
        memory_limit, and a query can spill only what it is not using: at scale 100 after 28 days,
        customer_health_weekly and customer_complaint_history each fit 614 MiB alone but failed
        together with "Out of Memory Error". Within a limit, one model at a time is what fits.
        """
        return 1 if self.memory_limited else max(1, min(4, self.cpus))


def parse_size(text: str) -> int:
    """'4Gi', '3GB', '512M', '1073741824' -> bytes; ValueError for anything else."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a memory size: {text!r} (use e.g. 3GB, 512MiB or a number of bytes)")
    number, unit = float(match.group(1)), (match.group(2) or "").upper()
    binary = "I" in unit
    base = unit.replace("I", "").replace("B", "")
    factor = 1024 ** "KMGT".index(base) * 1024 if binary and base else _UNITS[base]
    return int(number * factor)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cgroup_memory_limit(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The container's memory limit in bytes (cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes`)."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        value = _read(path)
        if value is None:
            continue
        if value == "max" or not value.isdigit() or int(value) >= _UNLIMITED:
            return None
        return int(value)
    return None


def cgroup_cpus(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """CPUs the container may use (cgroup v2 `cpu.max`, else v1 CFS quota/period), rounded up; None = no quota."""
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        if quota == "max" or not quota.isdigit():
            return None
        return max(1, -(-int(quota) // int(period or 100000)))
    quota, period = _read(root / "cpu" / "cpu.cfs_quota_us"), _read(root / "cpu" / "cpu.cfs_period_us")
    if quota and period and quota.lstrip("-").isdigit() and int(quota) > 0 and period.isdigit():
        return max(1, -(-int(quota) // int(period)))
    return None


def step_resources(environ: dict[str, str] | None = None, root: Path = Path("/sys/fs/cgroup")) -> Resources:
    """CORETELECOMS_TRANSFORM_MEMORY (e.g. '4Gi', the pod's limit) wins; else the cgroup limit, else the RAM."""
    environ = os.environ if environ is None else environ
    setting = environ.get("CORETELECOMS_TRANSFORM_MEMORY", "").strip()
    memory = parse_size(setting) if setting else cgroup_memory_limit(root)
    limited = memory is not None
    physical = _physical_memory()
    if physical is not None:
        memory = min(memory, physical) if memory is not None else physical
    cpus = cgroup_cpus(root) or os.cpu_count() or 1
    return Resources(memory_bytes=memory, cpus=min(cpus, os.cpu_count() or cpus), memory_limited=limited)


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
