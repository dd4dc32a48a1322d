"""A calm terminal for `run` and `demo`: one live line per running step, one line per outcome.

The live line counts what is known to count: rows as an extract streams them, dbt nodes against dbt's
own total. dbt is summarised (counts, then only its failures and warnings) unless verbose. Log records
below WARNING stay off the terminal meanwhile; pods (no terminal) keep their JSON log lines instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from coretelecoms.pipeline.runner import StepOutcome
from coretelecoms.pipeline.steps import Step
from coretelecoms.pipeline.tasks import StepRun
from coretelecoms.terminal import describe

# dbt statuses worth a line of their own in the summary.
_DBT_PROBLEMS = {"warn": "warned", "fail": "failed", "error": "error", "runtime error": "error"}


class _Count(ProgressColumn):
    """`1,234 rows` while the total is unknown, `12/173 dbt nodes` once it is; nothing before the first."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        if task.total:
            return Text(f"{int(task.completed):,}/{int(task.total):,} {unit}")
        return Text(f"{int(task.completed):,} {unit}" if task.completed else "")


class DbtCounter:
    """A dbtRunner callback moving a live line: the node total from dbt's start line, one tick per node."""

    def __init__(self, progress: Progress, task: Any) -> None:
        self.progress, self.task = progress, task
        self.problems: list[str] = []
        self._lock = threading.Lock()  # dbt calls back from its worker threads

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name == "LogStartLine":
            total = int(getattr(event.data, "total", 0) or 0)
            with self._lock:
                # dbt announces each invocation's total (freshness check, then the build): restart the count.
                if total and getattr(event.data, "index", 0) == 1:
                    self.progress.update(self.task, total=total, completed=0, unit="dbt nodes")
        elif name == "NodeFinished":
            status = str(event.data.run_result.status)
            with self._lock:
                self.progress.advance(self.task, 1)
                if status in _DBT_PROBLEMS:
                    self.problems.append(f"{_DBT_PROBLEMS[status]}: {event.data.node_info.node_name}")
                    self.progress.update(self.task, problems=len(self.problems))


class LiveLines:
    """The runner's Watcher in a terminal (see pipeline.runner.Watcher)."""

    def __init__(self, total_steps: int, *, verbose: bool = False, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.verbose = verbose
        self.total_steps = total_steps
        self.index = 0
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), _Count(), TimeElapsedColumn(),
            console=self.console, transient=True,
        )  # fmt: skip

    def __enter__(self) -> LiveLines:
        self._quiet = _quiet_logs() if not self.verbose else contextlib.nullcontext()
        self._quiet.__enter__()
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
        self._quiet.__exit__(*exc)

    def _label(self, step: Step, run: StepRun) -> str:
        when = f" {run.day}" if run.day else ""
        return f"[{self.index}/{self.total_steps}] {step.name}{when}"

    @contextlib.contextmanager
    def running(self, step: Step, run: StepRun) -> Iterator[StepRun]:
        self.index += 1
        label = self._label(step, run)
        task = self.progress.add_task(label, total=None, unit="")
        dbt = None if self.verbose else DbtCounter(self.progress, task)

        def rows_done(rows: int) -> None:
            self.progress.update(task, advance=rows, unit="rows")

        try:
            yield dataclasses.replace(run, rows_done=rows_done, dbt_events=dbt)
        except BaseException:
            self.console.print(f"[red]✗[/red] {label} failed")
            raise
        finally:
            self.progress.remove_task(task)

    def finished(self, outcome: StepOutcome) -> None:
        self.console.print(f"[green]✓[/green] {describe(outcome.summary)}  [dim]{outcome.seconds:.1f}s[/dim]")
        for line in problems_of(outcome.summary):
            self.console.print(f"    [yellow]{line}[/yellow]")


def watch_one(
    step: Step,
    run: StepRun,
    call: Callable[[StepRun], Any],
    *,
    verbose: bool = False,
    console: Console | None = None,
) -> Any:
    """One step on a live line (a step command in a terminal): `call(run)`, then its outcome line."""
    with LiveLines(1, verbose=verbose, console=console) as lines:
        started = time.perf_counter()
        with lines.running(step, run) as watched:
            summary = call(watched)
        lines.finished(StepOutcome(step, run.day, time.perf_counter() - started, summary))
    return summary


def problems_of(summary: object) -> list[str]:
    """A dbt build's warnings and failures, one line each; nothing for other steps."""
    warnings = [f"warn: {w}" for w in getattr(summary, "warnings", ())]
    failures = [f"fail: {f}" for f in getattr(summary, "failures", ())]
    stale = [f"stale: {s}" for s in getattr(summary, "stale_sources", ())]
    return failures + warnings + stale


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Raise every root handler to WARNING for the block: progress chatter would break the live lines."""
    handlers = logging.getLogger().handlers
    saved = [h.level for h in handlers]
    for handler in handlers:
        handler.setLevel(max(handler.level, logging.WARNING))
    try:
        yield
    finally:
        for handler, level in zip(handlers, saved, strict=True):
            handler.setLevel(level)
