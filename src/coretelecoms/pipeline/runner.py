"""The local engine: run the registry's steps in-process, in dependency order, for one or more dates."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from coretelecoms.pipeline.steps import STEPS, Step, in_dependency_order

log = logging.getLogger(__name__)

# Runs one step's CLI arguments in-process and returns its summary (None when it prints none).
Executor = Callable[[list[str]], dict | None]


@dataclass
class StepResult:
    step: str
    date: str
    seconds: float
    summary: dict | None


@dataclass
class RunReport:
    results: list[StepResult] = field(default_factory=list)

    def for_step(self, prefix: str) -> list[StepResult]:
        return [r for r in self.results if r.step.startswith(prefix)]


def date_range(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def run_pipeline(days: list[date], execute: Executor, steps: tuple[Step, ...] = STEPS) -> RunReport:
    """Run every step for each date in turn; the first failing step stops the run (its error propagates)."""
    report = RunReport()
    ordered = in_dependency_order(steps)
    for day in days:
        for step in ordered:
            argv = step.argv(day.isoformat())
            log.info("step %s for %s: coretelecoms %s", step.name, day, " ".join(argv))
            started = time.perf_counter()
            summary = execute(argv)
            report.results.append(
                StepResult(step.name, day.isoformat(), time.perf_counter() - started, summary)
            )
    return report
