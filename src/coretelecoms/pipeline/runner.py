"""The local engine: call the registry's step functions in-process, in dependency order, for one or more dates."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol, TypeVar

from coretelecoms.pipeline.steps import STEPS, Step, in_dependency_order
from coretelecoms.pipeline.tasks import StepRun, Summary
from coretelecoms.settings import Settings

log = logging.getLogger(__name__)
S = TypeVar("S")


@dataclass(frozen=True)
class StepOutcome:
    """One finished step: which, for which date (None for a step run once), how long, and its summary."""

    step: Step
    day: date | None
    seconds: float
    summary: Summary


@dataclass
class RunReport:
    outcomes: list[StepOutcome] = field(default_factory=list)

    def summaries(self, kind: type[S]) -> list[S]:
        """The summaries of one type, in run order (e.g. every ExtractSummary)."""
        return [o.summary for o in self.outcomes if isinstance(o.summary, kind)]


class Watcher(Protocol):
    """How an engine shows the run: around each step call, then its outcome."""

    def running(self, step: Step, run: StepRun) -> contextlib.AbstractContextManager[StepRun]:
        """Around one call; yields the StepRun to use (it may add row and dbt callbacks)."""
        ...

    def finished(self, outcome: StepOutcome) -> None: ...


class LogWatcher:
    """Log lines only: what a pod, a test or a caller without a terminal gets."""

    @contextlib.contextmanager
    def running(self, step: Step, run: StepRun) -> Iterator[StepRun]:
        log.info("step %s%s", step.name, f" for {run.day}" if run.day else "")
        yield run

    def finished(self, outcome: StepOutcome) -> None:
        log.info("step %s done in %.1fs", outcome.step.name, outcome.seconds)


def date_range(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def run_pipeline(
    days: list[date],
    settings: Settings,
    *,
    run_id: str,
    flags: frozenset[str] = frozenset(),
    steps: tuple[Step, ...] = STEPS,
    watcher: Watcher | None = None,
) -> RunReport:
    """Run the per-date steps for each date in turn, then the steps run once; the first failure stops the run.

    As on the cluster (the backfill), the once-steps (dbt) run after every date's per-date work, not after each.
    """
    watcher = watcher or LogWatcher()
    report = RunReport()
    ordered = in_dependency_order(steps)
    plan = [(s, d) for d in days for s in ordered if s.per_date] + [
        (s, None) for s in ordered if not s.per_date
    ]
    for step, day in plan:
        started = time.perf_counter()
        with watcher.running(step, StepRun(settings=settings, run_id=run_id, day=day, flags=flags)) as run:
            summary = step.run(run)
        outcome = StepOutcome(step, day, time.perf_counter() - started, summary)
        report.outcomes.append(outcome)
        watcher.finished(outcome)
    return report
