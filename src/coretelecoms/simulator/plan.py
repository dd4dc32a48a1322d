"""The run plan: how many records each file holds and which file-level mess each day gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coretelecoms.simulator.config import GenerateConfig
from coretelecoms.simulator.draws import Stream
from coretelecoms.simulator.volumes import AGENTS, REAL_CUSTOMERS, REAL_DAILY, REAL_VOLUME_SCALE

DAILY_SPREAD = 0.1  # each day's volume varies by up to +-10 % around the base
CSV_ENTITIES = ("customers", "call-logs")
FLOAT_ID_ENTITIES = ("call-logs", "social-media")  # pandas-written files: integer columns may come as floats


@dataclass(frozen=True)
class FilePlan:
    """One file or table to deliver: its records and its file-level mess."""

    entity: str
    day: date | None  # None for the static entities
    status: (
        str  # delivered, missing (no file / table), truncated (cut-short JSON), two-tables (both spellings)
    )
    rows: int  # base records, before duplicates
    previous: date | None = None  # the earlier delivered day re-deliveries point at
    previous_rows: int = 0
    drift: bool = False  # carries the drift column
    bom: bool = False
    crlf: bool = False
    float_ids: bool = False  # agent ids written as floats (`1035.0`)

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"


def static_rows(entity: str, scale: float) -> int:
    """Records in the customers file or the agents sheet (always `AGENTS`)."""
    if entity == "agents":
        return AGENTS
    return max(1, round(REAL_CUSTOMERS / REAL_VOLUME_SCALE * scale))


def daily_rows(seed: int, scale: float, entity: str, day: date) -> int:
    """Base records of one entity's day: linear in scale, varying a little from day to day."""
    jitter = Stream(seed, entity, "day-volume").scalar(day.toordinal())
    base = REAL_DAILY[entity] / REAL_VOLUME_SCALE * scale
    return max(1, round(base * (1 - DAILY_SPREAD + 2 * DAILY_SPREAD * jitter)))


def _file_flags(config: GenerateConfig, entity: str, ordinal: int) -> dict[str, bool]:
    rates = config.rates

    def draw(label: str, rate: float, entities: tuple[str, ...]) -> bool:
        return entity in entities and Stream(config.seed, entity, label).scalar(ordinal) < rate

    return {
        "bom": draw("bom", rates.bom_file, CSV_ENTITIES),
        "crlf": draw("crlf", rates.crlf_file, CSV_ENTITIES),
        "float_ids": draw("float-ids", rates.float_ids_file, FLOAT_ID_ENTITIES),
    }


def static_plan(config: GenerateConfig, entity: str) -> FilePlan:
    """The customers file or the agents sheet."""
    return FilePlan(
        entity, None, "delivered", static_rows(entity, config.scale), **_file_flags(config, entity, 0)
    )


def daily_plan(config: GenerateConfig, entity: str) -> list[FilePlan]:
    """Every day of a daily entity, in order; re-deliveries point at the previous delivered day of the run."""
    rates = config.rates
    missing = set(config.missing_days.get(entity, ()))
    truncated = set(config.truncated_days.get(entity, ()))
    two_tables = set(config.two_table_days) if entity == "web-forms" else set()
    drifting = rates.schema_drift and entity in config.drift_entities and config.days > 1
    plans: list[FilePlan] = []
    previous: FilePlan | None = None
    for index, day in enumerate(config.dates):
        ordinal = day.toordinal()
        status = "delivered"
        if day in missing or Stream(config.seed, entity, "missing-day").scalar(ordinal) < rates.missing_day:
            status = "missing"
        elif day in truncated or (
            entity == "social-media"
            and Stream(config.seed, entity, "truncated-day").scalar(ordinal) < rates.truncated_day
        ):
            status = "truncated"
        elif day in two_tables:
            status = "two-tables"
        plan = FilePlan(
            entity,
            day,
            status,
            daily_rows(config.seed, config.scale, entity, day),
            previous=previous.day if previous else None,
            previous_rows=previous.rows if previous else 0,
            drift=drifting and index >= config.days // 2,
            **_file_flags(config, entity, ordinal),
        )
        plans.append(plan)
        if plan.delivered:
            previous = plan
    return plans


def chunk_ranges(rows: int, chunk_rows: int) -> list[tuple[int, int]]:
    """The (lo, hi) record ranges a file is generated in, in order."""
    return [(lo, min(rows, lo + chunk_rows)) for lo in range(0, rows, chunk_rows)]
