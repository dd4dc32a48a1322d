"""`bench pods`: each step of one day in its own image under its pod's CPU and memory limits; peak memory per step.

For every step of the registry, `docker run` its image (`coretelecoms-<image>:<tag>`, as the deploy
images are tagged) with `--memory`/`--cpus` from the pod shapes the chart renders
(`orchestrate/pods.py`), on a CORETELECOMS_HOME that already holds the sources (and the history, e.g.
the `--home` of a `bench history` run). The peak is the container's own cgroup high-water mark
(`memory.max_usage_in_bytes` on cgroup v1, `memory.peak` on v2), read inside the container after
the step: it counts page cache too, as the limit does. A step killed by the limit shows exit 137.
Web forms reach the home's embedded PostgreSQL (home/pg) through its socket directory, mounted in.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from coretelecoms.bench.child import mb

_PEAK = "CORETELECOMS_BENCH_PEAK="
# The step's command, then the cgroup's high-water mark on stderr (v1 first, then v2).
_SCRIPT = (
    'coretelecoms --log-level WARNING --log-format json "$@" >/dev/null; rc=$?; '
    "peak=$(cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.peak); "
    f'echo "{_PEAK}$peak" >&2; exit $rc'
)


@dataclass
class PodFigures:
    """One step in its image: exit code, wall seconds, the cgroup's peak, and the limits it ran under."""

    step: str
    image: str
    cpus: float
    memory_limit_mb: float
    returncode: int
    seconds: float
    peak_mb: float | None
    error: str | None = None


def _bytes(quantity: str) -> int:
    """A Kubernetes memory quantity (`2Gi`, `512Mi`) in bytes."""
    number, unit = re.fullmatch(r"(\d+)([KMG]i)?", quantity).groups()
    return int(number) * {None: 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[unit]


def _cpus(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def docker_argv(
    step, day: date, home: Path, tag: str, socket_dir: Path | None, lake: Path | None = None
) -> tuple[list[str], float, int]:
    """The `docker run` for one registry step under its pod's limits, and those limits."""
    from coretelecoms.orchestrate.pods import SHAPES

    shape = SHAPES[step.shape]
    cpus, memory = _cpus(shape.cpu_limit), _bytes(shape.memory_limit)
    argv = ["docker", "run", "--rm", "--pull=never", f"--cpus={cpus}", f"--memory={memory}", f"--memory-swap={memory}",
            "--user", "0:0",  # the scratch home belongs to whoever ran the history, not to the image's user
            "-v", f"{home}:/data", "-e", "CORETELECOMS_HOME=/data", "-e", "HOME=/tmp"]  # fmt: skip
    if lake is not None:  # extracts into a scratch lake: the home's own lake and warehouse stay untouched
        argv += ["-v", f"{lake}:/lake", "-e", "CORETELECOMS_LAKE_URL=file:///lake"]
    if socket_dir is not None:
        argv += ["-v", f"{socket_dir}:/pgsocket", "-e",
                 "CORETELECOMS_POSTGRES_DSN=postgresql://postgres@/postgres?host=/pgsocket"]  # fmt: skip
    argv += ["--entrypoint", "sh", f"coretelecoms-{step.image}:{tag}", "-c", _SCRIPT, "step",
             *step.argv(day.isoformat())]  # fmt: skip
    return argv, cpus, memory


def run_pods(
    home: Path, day: date, tag: str, socket_dir: Path | None, only: list[str] | None, lake: Path | None = None
) -> list[PodFigures]:
    from coretelecoms.pipeline.steps import STEPS, in_dependency_order

    results = []
    for step in in_dependency_order(STEPS):
        if only and step.name not in only:
            continue
        argv, cpus, memory = docker_argv(step, day, home, tag, socket_dir, lake)
        started = time.perf_counter()
        run = subprocess.run(argv, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        peak = next((int(line[len(_PEAK):]) for line in run.stderr.splitlines() if line.startswith(_PEAK)
                     and line[len(_PEAK):].isdigit()), None)  # fmt: skip
        lines = [line for line in run.stderr.splitlines() if line.strip() and not line.startswith(_PEAK)]
        error = (lines[-1][-300:] if lines else f"exit {run.returncode}") if run.returncode else None
        results.append(PodFigures(step.name, step.image, cpus, mb(memory), run.returncode, round(seconds, 1),
                                  mb(peak) if peak is not None else None, error))  # fmt: skip
        print(json.dumps(asdict(results[-1])), flush=True)
    return results


def main(home: Path, day: date, tag: str, only: list[str] | None, json_path: Path | None,
         lake: Path | None = None, pg_socket: Path | None = None) -> int:  # fmt: skip
    """Start the home's embedded PostgreSQL (home/pg, kept by `bench history --home`) if it has one; run.

    `pg_socket`: the socket directory of a PostgreSQL already running (e.g. a `bench history` in progress).
    """
    import contextlib
    from urllib.parse import parse_qs, urlsplit

    from coretelecoms.common.postgres import postgres_dsn

    home = home.resolve()
    with contextlib.ExitStack() as stack:
        socket_dir = pg_socket
        if socket_dir is None and (home / "pg").is_dir():
            dsn = stack.enter_context(postgres_dsn(None, home / "pg"))
            socket_dir = Path(parse_qs(urlsplit(dsn).query)["host"][0])
        results = run_pods(home, day, tag, socket_dir, only, lake.resolve() if lake else None)
    if json_path is not None:
        json_path.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return 0 if all(r.returncode == 0 for r in results) else 1
