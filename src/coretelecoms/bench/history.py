"""`bench history`: run the daily pipeline day after day on fresh generated data; is the daily cost flat?

In a scratch CORETELECOMS_HOME, `coretelecoms sources generate` writes N days, then each day runs every
step of the step registry as its own child process with the registry's arguments, as the cluster does
(`extract ENTITY --date D` for the five entities, `load --date D`, `transform`). Per day and step: wall time and the peak RSS of the child's
process tree, and its CPU time (what other load on a shared machine does not inflate); then last
day / first day per step. One embedded PostgreSQL (the web-form source) serves
the whole run and is not counted in any step: in production it is the source system's database.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from coretelecoms.bench.child import ChildRun, clean_env, mb, run_child

START = date(2025, 11, 20)


class StepFailedError(RuntimeError):
    """A pipeline step exited non-zero; the message names the step, the day and the step's last words."""


@dataclass
class StepFigures:
    """One step of one day: wall seconds, peak RSS (MB) of its process tree, rows when it reports them,
    and CPU seconds of its tree (the cost measure that other load on the machine does not inflate)."""

    seconds: float
    peak_rss_mb: float
    rows: int | None = None
    cpu_seconds: float | None = None


@dataclass
class DayFigures:
    date: str
    steps: dict[str, StepFigures] = field(default_factory=dict)
    dbt_nodes: dict | None = None  # where the transform's time went (dbt's run_results.json)

    @property
    def total(self) -> StepFigures:
        """The day as a whole: summed wall and CPU time, the largest step's peak."""
        cpu = [s.cpu_seconds for s in self.steps.values()]
        return StepFigures(
            seconds=round(sum(s.seconds for s in self.steps.values()), 2),
            peak_rss_mb=max((s.peak_rss_mb for s in self.steps.values()), default=0.0),
            cpu_seconds=round(sum(cpu), 2) if cpu and None not in cpu else None,
        )


def step_argv(day: date) -> list[tuple[str, list[str]]]:
    """The day's steps in dependency order, as (name, CLI arguments): the step registry's own, as on the cluster."""
    from coretelecoms.pipeline.steps import STEPS, in_dependency_order

    return [(step.name, step.argv(day.isoformat())) for step in in_dependency_order(STEPS)]


def _cli(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "coretelecoms", "--log-level", "WARNING", "--log-format", "json", *args]


def _rows(name: str, run: ChildRun) -> int | None:
    """Rows the step handled, from its --json summary (extracts: rows read; load: rows loaded)."""
    try:
        summary = json.loads(run.stdout)
    except json.JSONDecodeError:
        return None
    if not isinstance(summary, dict):
        return None
    if name.startswith("extract-"):
        return summary.get("rows_read")
    rows = summary.get("rows_loaded", summary.get("rows"))
    if isinstance(rows, dict):
        return sum(v for v in rows.values() if isinstance(v, int))
    return rows if isinstance(rows, int) else None


def generate_argv(start: date, days: int, volume: str | None, scale: float | None, seed: int) -> list[str]:
    """`sources generate` for the run: `--volume` passed through as given, else `--scale`."""
    args = ["sources", "generate", "--start", start.isoformat(), "--days", str(days), "--seed", str(seed)]
    if volume is not None:
        args += ["--volume", volume]
    if scale is not None:
        args += ["--scale", repr(scale)]
    return args


def pod_memory_env(name: str) -> dict[str, str]:
    """The memory setting a step reads as its pod's limit (only the transform sizes DuckDB by it)."""
    from coretelecoms.orchestrate.pods import SHAPES
    from coretelecoms.pipeline.steps import STEPS

    [step] = [step for step in STEPS if step.name == name]
    return {"CORETELECOMS_TRANSFORM_MEMORY": SHAPES[step.shape].memory_limit}


def step_env(name: str, *, pod_memory: bool, transform_memory: str | None) -> dict[str, str]:
    """The memory settings one step runs with: its pod's limit on request, and the transform's own size."""
    settings = pod_memory_env(name) if pod_memory else {}
    if transform_memory and name == "transform":
        settings["CORETELECOMS_TRANSFORM_MEMORY"] = transform_memory
    return settings


def run_history(home: Path, dsn: str, *, days: int, start: date = START, volume: str | None = None,
                scale: float | None = None, seed: int = 42, pod_memory: bool = False,
                transform_memory: str | None = None, echo=None, checkpoint=None) -> dict:  # fmt: skip
    """Generate `days` days into `home`, then run every step of every day; return the figures.

    `pod_memory` gives each step its pod's memory limit as a setting, as the container's cgroup
    would on the cluster (DuckDB then keeps its cache within 60 % of it); otherwise the host's RAM.
    `transform_memory` (e.g. '1GiB') sizes the transform alone, as a dbt pod sized for the volume would.

    `checkpoint(report)` is called after every day with the figures so far (a long run that is
    stopped, or fails on day 17, still leaves its first 16 days); a failure is recorded in the
    report's `failed` before StepFailedError is raised.
    """
    env = clean_env(CORETELECOMS_HOME=str(home), CORETELECOMS_POSTGRES_DSN=dsn)
    generated = run_child(_cli(generate_argv(start, days, volume, scale, seed)), env=env)
    if generated.returncode != 0:
        raise StepFailedError(f"sources generate failed: {generated.tail()}")
    if echo:
        echo(f"generated {days} day(s) in {generated.seconds:.1f} s (peak {mb(generated.peak_rss)} MB)")
    header = {"start": start.isoformat(), "days": days, "volume": volume, "scale": scale, "seed": seed,
              "pod_memory": pod_memory, "transform_memory": transform_memory,
              "generate": {"seconds": round(generated.seconds, 2), "peak_rss_mb": mb(generated.peak_rss)}}  # fmt: skip
    results: list[DayFigures] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        figures = DayFigures(date=day.isoformat())
        for name, args in step_argv(day):
            run = run_child(
                _cli(args),
                env={**env, **step_env(name, pod_memory=pod_memory, transform_memory=transform_memory)},
            )
            if run.returncode != 0:
                problem = f"{name} on {day} failed (exit {run.returncode}): {run.tail()}"
                if checkpoint:
                    checkpoint({**_report(header, results), "failed": problem})
                raise StepFailedError(problem)
            figures.steps[name] = StepFigures(
                round(run.seconds, 2), mb(run.peak_rss), _rows(name, run), round(run.cpu_seconds, 2)
            )
            if echo:  # each step as it ends: a real-volume day is long, and a stopped run keeps its steps
                step = figures.steps[name]
                echo(
                    f"  {day} {name}: {step.seconds:.1f} s, {step.peak_rss_mb:.0f} MB, {step.cpu_seconds:.1f} cpu-s"
                )
        figures.dbt_nodes = dbt_node_times(home / "dbt" / "local" / "target" / "run_results.json")
        results.append(figures)
        if echo:
            echo(format_day(figures))
        if checkpoint:
            checkpoint(_report(header, results))
    return _report(header, results)


def dbt_node_times(run_results: Path, top: int = 6) -> dict | None:
    """Seconds dbt spent in models, in data tests and in unit tests, its slowest nodes and (JSON only) every node's."""
    try:
        results = json.loads(run_results.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return None

    def kind(unique_id: str) -> str:
        return {"model": "models", "test": "data_tests", "unit_test": "unit_tests"}.get(
            unique_id.split(".")[0], "other"
        )

    totals: dict[str, float] = {}
    for node in results:
        totals[kind(node["unique_id"])] = totals.get(kind(node["unique_id"]), 0.0) + node["execution_time"]
    slowest = sorted(results, key=lambda node: -node["execution_time"])[:top]
    return {**{k: round(v, 2) for k, v in sorted(totals.items())},
            "slowest": [[node["unique_id"].split(".")[-1], round(node["execution_time"], 2)] for node in slowest],
            "every": {node["unique_id"]: round(node["execution_time"], 2) for node in results}}  # fmt: skip


def _report(header: dict, results: list[DayFigures]) -> dict:
    return {
        **header,
        "days_done": len(results),
        "per_day": [
            {
                "date": d.date,
                "steps": {n: asdict(s) for n, s in d.steps.items()},
                "total": asdict(d.total),
                "dbt_nodes": d.dbt_nodes,
            }
            for d in results
        ],
        "ratios": ratios(results),
    }


def ratios(results: list[DayFigures]) -> dict[str, dict[str, float | None]]:
    """Last day / first day, per step and for the day's total: wall time, peak RSS and CPU time."""
    if not results:
        return {}
    first, last = results[0], results[-1]
    pairs = {name: (first.steps[name], last.steps[name]) for name in first.steps if name in last.steps}
    pairs["total"] = (first.total, last.total)

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(b / a, 3) if a and b is not None else None

    return {
        name: {
            "seconds": ratio(a.seconds, b.seconds),
            "peak_rss": ratio(a.peak_rss_mb, b.peak_rss_mb),
            "cpu_seconds": ratio(a.cpu_seconds, b.cpu_seconds),
        }
        for name, (a, b) in pairs.items()
    }


def format_day(figures: DayFigures) -> str:
    cells = [
        f"{name} {s.seconds:.1f}s/{s.peak_rss_mb:.0f}MB/{s.cpu_seconds or 0:.1f}cpu"
        for name, s in figures.steps.items()
    ]
    total = figures.total
    summary = f"total {total.seconds:.1f}s, max {total.peak_rss_mb:.0f}MB, {total.cpu_seconds or 0:.1f} cpu-s"
    line = f"{figures.date}: {'  '.join(cells)}  | {summary}"
    if figures.dbt_nodes:
        nodes = figures.dbt_nodes
        slowest = ", ".join(f"{name} {seconds:.1f}" for name, seconds in nodes["slowest"])
        line += (f"\n  dbt: models {nodes.get('models', 0):.1f}s, data tests {nodes.get('data_tests', 0):.1f}s, "
                 f"unit tests {nodes.get('unit_tests', 0):.1f}s; slowest: {slowest}")  # fmt: skip
    return line


def format_table(report: dict) -> str:
    """Per step: first day, last day and their ratio, for wall time, peak RSS and CPU time."""
    first, last = report["per_day"][0], report["per_day"][-1]
    names = [*first["steps"], "total"]
    head = (
        "step",
        "day 1 s",
        "day N s",
        "N/1",
        "day 1 MB",
        "day N MB",
        "N/1",
        "day 1 cpu",
        "day N cpu",
        "N/1",
    )
    rows = ["{:<20} {:>9} {:>9} {:>6} {:>9} {:>9} {:>6} {:>9} {:>9} {:>6}".format(*head)]
    for name in names:
        a = first["total"] if name == "total" else first["steps"][name]
        b = last["total"] if name == "total" else last["steps"].get(name)
        if b is None:
            continue
        r = report["ratios"][name]
        rows.append(
            f"{name:<20} {a['seconds']:>9.2f} {b['seconds']:>9.2f} {_fmt(r['seconds']):>6} "
            f"{a['peak_rss_mb']:>9.1f} {b['peak_rss_mb']:>9.1f} {_fmt(r['peak_rss']):>6} "
            f"{a.get('cpu_seconds') or 0:>9.1f} {b.get('cpu_seconds') or 0:>9.1f} {_fmt(r.get('cpu_seconds')):>6}"
        )
    return "\n".join(rows)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(days: int, *, volume: str | None, scale: float | None, start: date, seed: int,
         json_path: Path | None, home: Path | None, pod_memory: bool = False,
         transform_memory: str | None = None) -> int:  # fmt: skip
    """The `history` subcommand: figures on stdout as they come, the table at the end, --json on request."""
    from coretelecoms.common.postgres import postgres_dsn

    if volume is None and scale is None:
        scale = 1.0

    def checkpoint(report: dict) -> None:
        if json_path is not None:  # rewritten whole after every day: a stopped run keeps its days
            json_path.write_text(json.dumps(report, indent=2) + "\n")

    with tempfile.TemporaryDirectory(prefix="coretelecoms-history-") as tmp:
        scratch = home or Path(tmp) / "home"
        try:
            # Under a kept --home, the web-form database stays there too (home/pg, where the CLI's embedded
            # server looks), so `bench pods` can run the same days' steps again afterwards.
            with postgres_dsn(None, (scratch if home else Path(tmp)) / "pg") as dsn:
                report = run_history(scratch, dsn, days=days, start=start, volume=volume, scale=scale,
                                     seed=seed, pod_memory=pod_memory, transform_memory=transform_memory,
                                     echo=lambda line: print(line, flush=True),
                                     checkpoint=checkpoint)  # fmt: skip
        except StepFailedError as exc:
            print(f"history: {exc}", file=sys.stderr)
            return 1
    print(format_table(report))
    return 0
