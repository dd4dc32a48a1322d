"""The step registry: every step of the daily pipeline and every fact an engine needs to run it.

Both engines read this and nothing else: `coretelecoms run` calls each step's typed function in-process
(`Step.run`), and `orchestrate/` renders the steps into the Argo DAG, whose containers run the very same
step through its CLI command (`Step.argv`). Image, pod shape, credentials, cadence and flags are facts
of the step, stated here once, never inferred from names or argument strings elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from coretelecoms.common.entities import ENTITIES
from coretelecoms.pipeline import tasks

# Where an engine writes the run date into `Step.args`: a literal date locally, an Argo parameter on the cluster.
DATE_SLOT = "{date}"


class Cadence(StrEnum):
    """How often a step runs in a run covering several dates."""

    PER_DATE = "per-date"  # once for each run date (extracts, load)
    ONCE = "once"  # once, after every date's per-date steps (dbt builds over everything loaded)


class Shape(StrEnum):
    """A pod size class; the chart/orchestrator maps each to CPU and memory requests, limits and a deadline."""

    SMALL = "small"  # an API client streaming a small sheet
    MEDIUM = "medium"  # streaming extracts and loads (≤ 1 GB peak RSS at 5 M rows, TOOLCHAIN.md)
    LARGE = "large"  # dbt: a full refresh rebuilds every mart


class Credential(StrEnum):
    """A secret a step needs at run time; the orchestrator mounts exactly these, by reference."""

    AWS = "aws"  # the source bucket and the lake on S3 (an IAM role per image on the cluster)
    POSTGRES = "postgres"  # the web-forms database DSN
    GOOGLE_SHEETS = "google-sheets"  # a service account for the Sheets API (optional: a file stand-in works)
    SNOWFLAKE = "snowflake"  # key-pair auth for the warehouse (optional: DuckDB needs none)


@dataclass(frozen=True)
class Flag:
    """An on/off option of a run, the same on both engines.

    Locally it is `--NAME` on `coretelecoms run` (and on the step's own command); on the cluster it is a
    workflow parameter NAME ("true"/"false") that reaches the step's container as the variable `env`,
    which the step's command reads as the default of its `--NAME` option.
    """

    name: str
    env: str
    help: str

    @property
    def option(self) -> str:
        return f"--{self.name}"

    @property
    def keyword(self) -> str:
        """The Python keyword argument of the step function."""
        return self.name.replace("-", "_")


FULL_REFRESH = Flag(
    name="full-refresh",
    env="DBT_FULL_REFRESH",  # dbt's own variable: dbtRunner honours it too, so the meaning cannot split
    help="Rebuild dbt's incremental models (fct_complaints) from scratch.",
)
FLAGS: tuple[Flag, ...] = (FULL_REFRESH,)

# What a source system's extract image needs: every extract also writes the lake (S3 on the cluster).
_SYSTEM_CREDENTIALS: dict[str, frozenset[Credential]] = {
    "files": frozenset({Credential.AWS}),
    "sheets": frozenset({Credential.AWS, Credential.GOOGLE_SHEETS}),
    "postgres": frozenset({Credential.AWS, Credential.POSTGRES}),
}
_SYSTEM_SHAPES: dict[str, Shape] = {"files": Shape.MEDIUM, "sheets": Shape.SMALL, "postgres": Shape.MEDIUM}


@dataclass(frozen=True)
class Step:
    """One pipeline step: a typed function, the CLI command that wraps it, and how it runs in a pod."""

    name: str
    image: str
    command: tuple[str, ...]  # the `coretelecoms` words before the options, e.g. ("extract", "customers")
    run: Callable[[tasks.StepRun], tasks.Summary]  # the typed step function, called by the local runner
    cadence: Cadence
    shape: Shape
    credentials: frozenset[Credential]
    flags: tuple[Flag, ...] = ()
    depends: tuple[str, ...] = ()
    # Steps whose `--json` summary the orchestrator keeps as an output (the extracts).
    emits_summary: bool = False

    @property
    def per_date(self) -> bool:
        return self.cadence is Cadence.PER_DATE

    @property
    def args(self) -> tuple[str, ...]:
        """The CLI arguments with DATE_SLOT where the run date goes (per-date steps only)."""
        dated = ("--date", DATE_SLOT) if self.per_date else ()
        # A per-date step prints its JSON summary into the pod's log (the extracts also keep it as an output);
        # dbt's build reports node by node instead.
        summary = ("--json",) if self.emits_summary or self.per_date else ()
        return (*self.command, *dated, *summary)

    def argv(self, date: str | None = None, flags: frozenset[str] = frozenset()) -> list[str]:
        """The CLI arguments with the run date filled in, plus `--NAME` for each named flag switched on.

        On the cluster flags travel as the flag's variable instead (a container's arguments are fixed).
        """
        if self.per_date and date is None:
            raise ValueError(f"step {self.name!r} runs per date: give the date")
        argv = [a.replace(DATE_SLOT, date) if date else a for a in self.args]
        return argv + [f.option for f in self.flags if f.name in flags]


def _extract_steps() -> list[Step]:
    return [
        Step(
            name=f"extract-{entity.name}",
            image=f"extract-{entity.system}",
            command=("extract", entity.name),
            run=partial(tasks.run_extract, entity.name),
            cadence=Cadence.PER_DATE,
            shape=_SYSTEM_SHAPES[entity.system],
            credentials=_SYSTEM_CREDENTIALS[entity.system],
            emits_summary=True,
        )
        for entity in ENTITIES.values()
    ]


def build_steps() -> list[Step]:
    """The daily pipeline: extractors in parallel, then load, then transform."""
    extracts = _extract_steps()
    load = Step(
        name="load",
        image="loader",
        command=("load",),
        run=tasks.run_load,
        cadence=Cadence.PER_DATE,
        shape=Shape.MEDIUM,
        # The lake on S3 (manifests, and the files themselves in PUT mode) and the warehouse.
        credentials=frozenset({Credential.AWS, Credential.SNOWFLAKE}),
        depends=tuple(s.name for s in extracts),
    )
    transform = Step(
        name="transform",
        image="dbt",
        command=("transform",),
        run=tasks.run_transform,
        cadence=Cadence.ONCE,
        shape=Shape.LARGE,
        credentials=frozenset({Credential.SNOWFLAKE}),
        flags=(FULL_REFRESH,),
        depends=(load.name,),
    )
    return [*extracts, load, transform]


STEPS: tuple[Step, ...] = tuple(build_steps())
IMAGES: tuple[str, ...] = tuple(dict.fromkeys(s.image for s in STEPS))


def find_step(name: str, steps: tuple[Step, ...] = STEPS) -> Step:
    """The registry entry called `name`."""
    for candidate in steps:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no step {name!r}; known: {', '.join(s.name for s in steps)}")


def in_dependency_order(steps: tuple[Step, ...] | list[Step] = STEPS) -> list[Step]:
    """Topological order, stable with respect to registry order; raises on a cycle or unknown dependency."""
    by_name = {s.name: s for s in steps}
    ordered: list[Step] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(step: Step) -> None:
        if step.name in done:
            return
        if step.name in visiting:
            raise ValueError(f"dependency cycle through step {step.name!r}")
        visiting.add(step.name)
        for dep in step.depends:
            if dep not in by_name:
                raise ValueError(f"step {step.name!r} depends on unknown step {dep!r}")
            visit(by_name[dep])
        visiting.discard(step.name)
        done.add(step.name)
        ordered.append(step)

    for step in steps:
        visit(step)
    return ordered
