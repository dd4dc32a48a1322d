"""Publish lake partitions for loader tests exactly as the extractor does: data file first, manifest last."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa

from coretelecoms.common.entities import ENTITIES, Entity
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import Location
from coretelecoms.lake.manifest import PartitionManifest, relative_key, remove_manifest, write_manifest
from coretelecoms.lake.writer import ParquetPublisher


def rows_for(entity: Entity, day: date, ids: list[str], *, agent_ids: pa.Array | None = None) -> pa.Table:
    """A table in the entity's lake schema: its key column filled, lineage set, everything else null."""
    n = len(ids)
    columns = {f.name: pa.nulls(n, f.type) for f in entity.schema}
    key_type = entity.schema.field(entity.key).type
    columns[entity.key] = pa.array([int(i) for i in ids] if key_type == pa.int64() else ids, key_type)
    if "agent_id" in columns and entity.key != "agent_id":
        columns["agent_id"] = agent_ids if agent_ids is not None else pa.array([1001] * n, pa.int64())
    columns["_ingested_at"] = pa.array([datetime(2025, 11, 20, tzinfo=UTC)] * n, pa.timestamp("us", tz="UTC"))
    columns["_source"] = pa.array(["test"] * n)
    columns["_run_id"] = pa.array(["r"] * n)
    columns["_ingest_date"] = pa.array([day] * n, pa.date32())
    return pa.table(columns, schema=entity.schema)


def publish(
    lake: Location,
    entity: Entity,
    day: date,
    table: pa.Table | None,
    *,
    quarantined: dict[str, int] | None = None,
    unchanged_since: date | None = None,
    run_id: str = "test-run",
) -> PartitionManifest:
    """Publish one partition: unpublish, write the data file (unless `table` is None), write the manifest."""
    remove_manifest(lake, entity.name, day)
    outputs = []
    if table is not None and table.num_rows:
        target = layout.data_file(lake, entity.name, day)
        with ParquetPublisher(lake, target, entity.schema) as writer:
            writer.write(table)
            writer.publish()
        outputs.append(relative_key(lake, target))
    written = table.num_rows if table is not None else 0
    quarantined = quarantined or {}
    manifest = PartitionManifest(
        entity=entity.name,
        date=day.isoformat(),
        run_id=run_id,
        source=f"test://{entity.name}/{day}",
        rows_read=written + sum(quarantined.values()),
        rows_written=written,
        rows_quarantined=sum(quarantined.values()),
        quarantine_reasons=quarantined,
        outputs=outputs,
        fingerprint="sha256:" + "ab" * 32 if entity.name in ("customers", "agents") else None,
        unchanged_since=unchanged_since.isoformat() if unchanged_since else None,
    )
    write_manifest(lake, manifest)
    return manifest


def ids_for(entity: Entity, index: int, size: int, prefix: str = "") -> list[str]:
    """`size` distinct ids for the entity (agents have integer ids)."""
    if entity.key == "agent_id":
        return [str(1000 + 10 * index + k) for k in range(size)]
    return [f"{prefix}{entity.name}-{k}" for k in range(size)]


def publish_day(lake: Location, day: date, size: int = 2, prefix: str = "") -> None:
    """Every entity's partition for `day`, `size` rows each."""
    for i, entity in enumerate(ENTITIES.values()):
        publish(lake, entity, day, rows_for(entity, day, ids_for(entity, i, size, prefix)))
