"""The typed step functions: what each pipeline step does, called alike by its CLI command and the local runner.

Heavy libraries (pyarrow readers, warehouse clients, dbt) are imported inside each function: the step
registry imports this module, and the orchestrator's image must not need them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from coretelecoms.common.errors import PipelineError
from coretelecoms.pipeline.locks import exclusive

if TYPE_CHECKING:
    from coretelecoms.extract.engine import ExtractSummary
    from coretelecoms.load.common import LoadSummary
    from coretelecoms.settings import Settings
    from coretelecoms.transform import TransformResult

RowsDone = Callable[[int], None]  # told how many more rows a step has handled
DbtEvents = Callable[[Any], None]  # a dbtRunner callback, given every dbt event


class Summary(Protocol):
    """What every step returns: a typed summary that also prints as one JSON object."""

    def to_json(self) -> str: ...


@dataclass(frozen=True)
class StepRun:
    """One call of a step by an engine: the settings read at the CLI entry, the date, lineage and flags."""

    settings: Settings
    run_id: str
    day: date | None = None
    flags: frozenset[str] = frozenset()  # names of the registry flags switched on
    rows_done: RowsDone | None = None
    dbt_events: DbtEvents | None = None


def new_run_id() -> str:
    """A lineage run id for a local run: when, plus a random suffix (the orchestrator passes its own)."""
    return datetime.now().strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:8]


def extract(
    entity: str,
    day: date,
    settings: Settings,
    *,
    run_id: str,
    rows_done: RowsDone | None = None,
    accept_shrink: bool = False,
) -> ExtractSummary:
    """Extract `entity`'s source for `day` into the lake (raw/ and quarantine/), published atomically."""
    from coretelecoms.extract.engine import RunContext
    from coretelecoms.extract.sources import extract as extract_entity
    from coretelecoms.lake.filesystem import locate

    context = RunContext(lake=locate(settings.lake_url), day=day, run_id=run_id, kms_key_id=settings.lake_kms_key_id,
                         accept_shrink=accept_shrink)  # fmt: skip
    # Two commands on one home extracting the same partition would interleave its publication.
    with exclusive(settings.home, partition_lock(entity, day)):
        return extract_entity(entity, settings, context, rows_done)


def partition_lock(entity: str, day: date) -> str:
    """The home lock of one lake partition: held by its extract, and by a load of its day."""
    return f"extract-{entity}-{day}"


def _warehouse_locks(settings: Settings) -> tuple[str, ...]:
    # DuckDB allows one writing process per file: loads and dbt builds on one home take turns.
    return ("warehouse-duckdb",) if settings.warehouse == "duckdb" else ()


def load(day: date, settings: Settings) -> LoadSummary:
    """Load `day`'s lake partitions into the configured warehouse's RAW tables (a re-load replaces)."""
    from coretelecoms.common.entities import ENTITIES
    from coretelecoms.load.warehouses import load as load_day

    # A re-extract of one of the day's partitions hides it until its new manifest lands (and then replaces
    # its files): a load on the same home waits for it, and holds it off while reading the day.
    partitions = [partition_lock(entity, day) for entity in ENTITIES]
    with exclusive(settings.home, *partitions, *_warehouse_locks(settings)):
        return load_day(settings, day)


def transform(
    settings: Settings,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    target: str | None = None,
    dbt_events: DbtEvents | None = None,
) -> TransformResult:
    """`dbt build` the marts on the configured warehouse (dbt's own node lines unless `dbt_events` is given)."""
    import importlib.util

    if importlib.util.find_spec("dbt") is None:  # the extractor images ship without dbt
        raise PipelineError("dbt is not installed here (pip install 'coretelecoms[dbt]')")
    from coretelecoms.transform import dbt_build

    progress: Any = dbt_events if dbt_events is not None else True
    # dbt's artifacts (target/, partial parsing) live under the home too: one build at a time per home.
    with exclusive(settings.home, "dbt", *_warehouse_locks(settings)):
        return dbt_build(settings, full_refresh=full_refresh, select=select, target=target, progress=progress)


# The registry's adapters: one StepRun in, the typed function's summary out.


def run_extract(entity: str, run: StepRun) -> ExtractSummary:
    assert run.day is not None, "extract runs per date"
    return extract(entity, run.day, run.settings, run_id=run.run_id, rows_done=run.rows_done)


def run_load(run: StepRun) -> LoadSummary:
    assert run.day is not None, "load runs per date"
    return load(run.day, run.settings)


def run_transform(run: StepRun) -> TransformResult:
    return transform(run.settings, full_refresh="full-refresh" in run.flags, dbt_events=run.dbt_events)
