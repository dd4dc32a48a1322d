"""What every warehouse loader shares: the RAW table schemas and the load summary."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pyarrow as pa

from coretelecoms.common.entities import ENTITIES, Entity

RAW_SCHEMA = "raw"
LOADED_AT = "_loaded_at"


@dataclass
class TableLoad:
    """One RAW table's rows for the day after the load, and the lake files they came from."""

    table: str
    rows: int
    files: list[str]
    unchanged_since: str | None = (
        None  # an unchanged snapshot: no rows for the day, the dimension reads that date
    )


@dataclass
class LoadSummary:
    """What `load` did for one date: every RAW table's rows and the manifests recorded, all in one commit."""

    date: str
    warehouse: str
    tables: list[TableLoad] = field(default_factory=list)
    manifests: int = 0  # rows written to raw.extract_manifests

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "rows_loaded": self.rows_loaded})


def raw_table_schema(entity: Entity) -> pa.Schema:
    """The RAW table: the lake schema plus the load timestamp."""
    return entity.schema.append(pa.field(LOADED_AT, pa.timestamp("us", tz="UTC"), nullable=False))


def entities() -> list[Entity]:
    return list(ENTITIES.values())
