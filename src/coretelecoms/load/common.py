"""What every warehouse loader shares: the RAW table schemas and their DDL, and the load summary."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pyarrow as pa

from coretelecoms.common.entities import ENTITIES, Entity

RAW_SCHEMA = "raw"
LOADED_AT = "_loaded_at"
WAREHOUSES = ("duckdb", "snowflake")
# Each lake (Arrow) type as each warehouse's RAW tables declare it, in the order of WAREHOUSES.
_COLUMN_TYPES = {
    pa.string():                  ("VARCHAR",     "VARCHAR"),
    pa.int64():                   ("BIGINT",      "NUMBER(38,0)"),
    pa.date32():                  ("DATE",        "DATE"),
    pa.timestamp("us"):           ("TIMESTAMP",   "TIMESTAMP_NTZ(6)"),
    pa.timestamp("us", tz="UTC"): ("TIMESTAMPTZ", "TIMESTAMP_TZ(6)"),
}  # fmt: skip


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


def column_types(warehouse: str) -> dict[pa.DataType, str]:
    """The SQL type of each lake column type in `warehouse`'s RAW tables."""
    which = WAREHOUSES.index(warehouse)
    return {arrow: types[which] for arrow, types in _COLUMN_TYPES.items()}


def create_table(warehouse: str, table: str, schema: pa.Schema) -> str:
    """CREATE TABLE for a RAW table, typed from the Arrow schema the lake is written with.

    DuckDB's column names are quoted; Snowflake's are not, so they fold to upper case as its own are.
    """
    types = column_types(warehouse)
    quote = '"' if warehouse == "duckdb" else ""
    columns = ", ".join(f"{quote}{f.name}{quote} {types[f.type]}" for f in schema)
    return f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{table} ({columns})"
