"""Run one command as a child process and measure its wall time and the peak RSS of its process tree.

The peak is sampled with psutil over the child and all its descendants (dbt may fork; the embedded
PostgreSQL runs beside the extractor). `getrusage(RUSAGE_CHILDREN)` cannot give it per child: it keeps
the largest child ever, and Linux carries the parent's high-water mark into a child across fork+exec.
A tree's RSS is the sum of its processes' RSS, so pages they share count more than once (an upper bound).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

POLL_SECONDS = 0.02


@dataclass(frozen=True)
class ChildRun:
    """What one child did: its exit code, wall seconds, peak tree RSS in bytes, and its output."""

    returncode: int
    seconds: float
    peak_rss: int
    stdout: str
    stderr: str
    killed: str | None = None  # why the watchdog stopped it (over its time or memory budget)
    # User + system CPU seconds of the child and every descendant it waited for: unlike wall time, not
    # inflated when other work on a shared machine competes for the cores.
    cpu_seconds: float = 0.0

    def tail(self, chars: int = 300) -> str:
        """The last line of stderr (else stdout): where a failing `coretelecoms` command says why, in one line."""
        lines = [line for line in (self.stderr or self.stdout).splitlines() if line.strip()]
        return lines[-1].strip()[-chars:] if lines else f"exit {self.returncode}, no output"


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_rss(root) -> int:
    import psutil

    total = 0
    with contextlib.suppress(psutil.Error):
        total += root.memory_info().rss
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):  # it may have exited between listing and reading
                total += child.memory_info().rss
    return total


def run_child(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, *,
              timeout: float | None = None, max_rss: int | None = None) -> ChildRun:  # fmt: skip
    """Run `argv` to completion, sampling its process tree's RSS every POLL_SECONDS.

    With `timeout` (seconds) or `max_rss` (bytes) the child is killed past either: on a shared machine
    a reader that needs 20 GB is a result, not a reason to take everyone else's memory.
    """
    import psutil

    killed = None
    before = _children_cpu()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        watched, peak = psutil.Process(child.pid), 0
        try:
            while child.poll() is None:
                peak = max(peak, _tree_rss(watched))
                if max_rss is not None and peak > max_rss:
                    killed = f"over {mb(max_rss):.0f} MB"
                elif timeout is not None and time.perf_counter() - started > timeout:
                    killed = f"over {timeout:.0f} s"
                if killed:
                    os.killpg(child.pid, 9)  # its own session: the child and whatever it started
                    child.wait()
                    break
                time.sleep(POLL_SECONDS)
        except BaseException:
            os.killpg(child.pid, 9)  # never leave a benchmark child (or its children) behind
            child.wait()
            raise
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return ChildRun(
            returncode=child.returncode,
            seconds=seconds,
            peak_rss=peak,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            killed=killed,
            cpu_seconds=_children_cpu() - before,  # one child at a time: the delta is this child's tree
        )


def run_extract_child(entity: str, day: date, env: dict[str, str]) -> tuple[float, int, dict]:
    """Run `coretelecoms extract` in a child; return (seconds, its peak RSS in bytes, summary)."""
    run = run_child(
        [sys.executable, "-m", "coretelecoms", "--log-level", "WARNING", "--log-format", "json",
         "extract", entity, "--date", day.isoformat(), "--json"],
        env=env,
    )  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(f"extract {entity} failed: {run.tail()}")
    return run.seconds, run.peak_rss, json.loads(run.stdout)


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any CORETELECOMS_ setting, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORETELECOMS_")}
    env.update(overrides)
    return env


def mb(nbytes: int) -> float:
    return round(nbytes / 2**20, 1)
