"""The one extract engine every source shares: raw chunks → schema-on-write → atomic lake partitions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

import pyarrow as pa

from coretelecoms.common.entities import Entity
from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.normalize import QUARANTINE_SCHEMA, drift_schema, map_headers, normalize
from coretelecoms.extract.records import RawChunk
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import Location
from coretelecoms.lake.writer import ParquetPublisher, remove_if_exists

Progress = Callable[[int], None]


@dataclass
class ExtractSummary:
    """What one extract did; `--json` prints it and it reconciles: read = written + quarantined."""

    entity: str
    date: str
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    outputs: list[str] = field(default_factory=list)
    quarantine: list[str] = field(default_factory=list)
    source: str = ""
    drift_columns: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=False)


@dataclass(frozen=True)
class RunContext:
    """Where and as what an extract runs: the lake, the ingest date, lineage values."""

    lake: Location
    day: date
    run_id: str
    kms_key_id: str | None = None
    ingested_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _with_lineage(batch: pa.RecordBatch, schema: pa.Schema, source: str, ctx: RunContext) -> pa.RecordBatch:
    n = batch.num_rows
    lineage = [
        pa.repeat(pa.scalar(ctx.ingested_at, pa.timestamp("us", tz="UTC")), n),
        pa.repeat(pa.scalar(source, pa.string()), n),
        pa.repeat(pa.scalar(ctx.run_id, pa.string()), n),
        pa.repeat(pa.scalar(ctx.day, pa.date32()), n),
    ]
    return pa.RecordBatch.from_arrays([*batch.columns, *lineage], schema=schema)


def _lineage_schema(base: pa.Schema, entity_schema: pa.Schema) -> pa.Schema:
    return pa.schema(list(base) + [f for f in entity_schema if f.name.startswith("_")])


def extract_to_lake(
    entity: Entity,
    source: str,
    headers: list[str],
    chunks: Iterable[RawChunk],
    ctx: RunContext,
    progress: Progress | None = None,
) -> ExtractSummary:
    """Normalise every chunk and publish the day's data, quarantine and drift files atomically.

    Nothing is published unless the whole source was read: a failure part-way (unreadable or
    truncated input, a killed process) leaves the lake exactly as it was.
    """
    header_map = map_headers(entity, headers, source)
    summary = ExtractSummary(
        entity=entity.name, date=ctx.day.isoformat(), source=source, drift_columns=list(header_map.extra)
    )
    lake = ctx.lake
    data_target = layout.data_file(lake, entity.name, ctx.day)
    q_folder = layout.partition(lake, layout.QUARANTINE, entity.name, ctx.day)
    q_schema = _lineage_schema(QUARANTINE_SCHEMA, entity.schema)
    d_schema = _lineage_schema(drift_schema(header_map.extra), entity.schema)

    data = ParquetPublisher(
        lake, data_target, entity.schema, kms_key_id=ctx.kms_key_id, dictionary=entity.dictionary_columns
    )
    quarantine = ParquetPublisher(lake, q_folder.join(layout.DATA_FILE), q_schema, kms_key_id=ctx.kms_key_id)
    drift = ParquetPublisher(lake, q_folder.join(layout.DRIFT_FILE), d_schema, kms_key_id=ctx.kms_key_id)
    writers = (data, quarantine, drift)
    try:
        for chunk in chunks:
            result = normalize(entity, header_map, chunk)
            data.write(_with_lineage(result.valid, entity.schema, source, ctx))
            quarantine.write(_with_lineage(result.quarantined, q_schema, source, ctx))
            if result.drift is not None:
                drift.write(_with_lineage(result.drift, d_schema, source, ctx))
            summary.rows_read += chunk.batch.num_rows + len(chunk.rejects)
            if progress:
                progress(chunk.batch.num_rows + len(chunk.rejects))
        if summary.rows_read != data.rows + quarantine.rows:  # never publish a day that lost rows
            raise PipelineError(
                f"{source}: read {summary.rows_read} rows but wrote {data.rows} and quarantined {quarantine.rows}"
            )
        summary.outputs.append(data.publish())
        summary.quarantine.append(quarantine.publish())
        if header_map.extra:
            summary.quarantine.append(drift.publish())
        else:
            drift.abort()
            remove_if_exists(drift.target)  # a re-run without drift must not keep an old report
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    summary.rows_written = data.rows
    summary.rows_quarantined = quarantine.rows
    return summary
