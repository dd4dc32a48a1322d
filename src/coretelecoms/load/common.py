"""What every warehouse loader shares: which lake files belong to a date, and the load summary."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date

import pyarrow as pa

from coretelecoms.common.entities import ENTITIES, Entity
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import Location

LOADED_AT = "_loaded_at"


@dataclass
class TableLoad:
    table: str
    rows: int
    files: list[str]


@dataclass
class LoadSummary:
    """What `load` did for one date; missing partitions are listed, never silently skipped."""

    date: str
    warehouse: str
    tables: list[TableLoad] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "rows_loaded": self.rows_loaded})


def day_files(lake: Location, entity: Entity, day: date) -> list[Location]:
    """The Parquet files of an entity's raw partition for `day` (empty when it was not extracted)."""
    return layout.list_parquet(layout.partition(lake, layout.RAW, entity.name, day))


def raw_table_schema(entity: Entity) -> pa.Schema:
    """The RAW table: the lake schema plus the load timestamp."""
    return entity.schema.append(pa.field(LOADED_AT, pa.timestamp("us", tz="UTC"), nullable=False))


def entities() -> list[Entity]:
    return list(ENTITIES.values())
