"""The one extract engine every source shares: a delivery's raw chunks → schema-on-write → a published partition."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pyarrow as pa

from coretelecoms.common.entities import Entity
from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.fingerprint import Fingerprint
from coretelecoms.extract.normalize import QUARANTINE_SCHEMA, drift_schema, map_headers, normalize
from coretelecoms.extract.records import Delivery
from coretelecoms.extract.snapshots import publish_unchanged, refuse_shrink
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import Location
from coretelecoms.lake.manifest import (
    PartitionManifest,
    latest_manifest_before,
    read_manifest,
    relative_key,
    remove_manifest,
    write_manifest,
)
from coretelecoms.lake.writer import ParquetPublisher, clear_scratch, remove_if_exists

Progress = Callable[[int], None]
ExtractSummary = PartitionManifest  # what an extract returns is the manifest it published
SHARE_MIN_ROWS = 20  # the quarantine-share limit judges days of at least this many rows


@dataclass(frozen=True)
class RunContext:
    """Where and as what an extract runs: the lake, the ingest date, lineage values."""

    lake: Location
    day: date
    run_id: str
    kms_key_id: str | None = None
    ingested_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    accept_shrink: bool = False  # `extract --accept-shrink`: a smaller snapshot is deliberate


@dataclass(frozen=True)
class Limits:
    """When a delivery is refused rather than published (settings, so a deployment can tune them)."""

    max_quarantine_share: float = 0.25
    snapshot_min_ratio: float = 0.9

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(settings.max_quarantine_share, settings.snapshot_min_ratio)


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


class _Partition:
    """The three files of one partition, written to scratch and published together or not at all."""

    def __init__(self, entity: Entity, extra: tuple[str, ...], ctx: RunContext):
        lake, day = ctx.lake, ctx.day
        self.scratch = layout.scratch(lake, entity.name, day)
        clear_scratch(self.scratch)  # what a killed earlier run of this partition left behind
        q_folder = layout.partition(lake, layout.QUARANTINE, entity.name, day)
        self.q_schema = _lineage_schema(QUARANTINE_SCHEMA, entity.schema)
        self.d_schema = _lineage_schema(drift_schema(extra), entity.schema)
        options = {"kms_key_id": ctx.kms_key_id, "scratch": self.scratch}
        data_target = layout.data_file(lake, entity.name, day)
        self.data = ParquetPublisher(
            lake, data_target, entity.schema, dictionary=entity.dictionary_columns, **options
        )
        self.quarantine = ParquetPublisher(lake, q_folder.join(layout.DATA_FILE), self.q_schema, **options)
        self.drift = ParquetPublisher(lake, q_folder.join(layout.DRIFT_FILE), self.d_schema, **options)
        self.has_drift = bool(extra)

    @property
    def writers(self) -> tuple[ParquetPublisher, ...]:
        return (self.data, self.quarantine, self.drift)

    def publish(self, lake: Location) -> tuple[list[str], list[str]]:
        """Move the files into place; returns (outputs, quarantine) as lake-relative keys."""
        self.data.publish()
        self.quarantine.publish()
        quarantine = [self.quarantine.target]
        if self.has_drift:
            self.drift.publish()
            quarantine.append(self.drift.target)
        else:
            self.drift.abort()
            remove_if_exists(self.drift.target)  # a re-run without drift must not keep an old report
        return [relative_key(lake, self.data.target)], [relative_key(lake, t) for t in quarantine]

    def abort(self) -> None:
        for writer in self.writers:
            writer.abort()


def _accepted_before(manifest: PartitionManifest, ctx: RunContext) -> bool:
    """This day already published this very content (a shrink accepted once): a re-run is not refused again."""
    published = read_manifest(ctx.lake, manifest.entity, ctx.day)
    return published is not None and published.fingerprint == manifest.fingerprint


def _check_quarantine_share(manifest: PartitionManifest, limits: Limits) -> None:
    """A day that is mostly quarantine is a broken delivery, not a day with a few bad rows.

    Below SHARE_MIN_ROWS rows a share is noise (one bad row of three is 33 %): such a day is refused
    only when every row is quarantined.
    """
    read, quarantined = manifest.rows_read, manifest.rows_quarantined
    if not read:
        return
    share = quarantined / read
    if share > limits.max_quarantine_share and (read >= SHARE_MIN_ROWS or quarantined == read):
        reason, count = next(iter(manifest.quarantine_reasons.items()))
        raise PipelineError(
            f"{manifest.entity} {manifest.date}: {manifest.rows_quarantined} of {manifest.rows_read} rows "
            f"quarantined ({share:.0%}, above the limit CORETELECOMS_MAX_QUARANTINE_SHARE="
            f"{limits.max_quarantine_share:g}); commonest reason: {reason} ({count} rows); nothing published"
        )


def extract_to_lake(
    entity: Entity,
    delivery: Delivery,
    ctx: RunContext,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> PartitionManifest:
    """Normalise every chunk of the delivery and publish the day's partition, manifest last.

    Nothing is published unless the whole source was read, reconciles and passes the limits: a
    failure part-way (unreadable, truncated or mostly-bad input, a killed process) leaves the
    published partition as it was.
    """
    limits = limits or Limits()
    source = delivery.source
    header_map = map_headers(entity, delivery.headers, source)
    manifest = PartitionManifest(
        entity=entity.name, date=ctx.day.isoformat(), run_id=ctx.run_id, source=source,
        drift_columns=list(header_map.extra),
    )  # fmt: skip
    fingerprint = Fingerprint(delivery.headers) if entity.snapshot else None
    reasons: Counter[str] = Counter()
    partition = _Partition(entity, header_map.extra, ctx)
    try:
        for chunk in delivery.chunks:
            if fingerprint is not None:
                fingerprint.update(chunk)
            result = normalize(entity, header_map, chunk, ctx.day)
            partition.data.write(_with_lineage(result.valid, entity.schema, source, ctx))
            partition.quarantine.write(_with_lineage(result.quarantined, partition.q_schema, source, ctx))
            if result.drift is not None:
                partition.drift.write(_with_lineage(result.drift, partition.d_schema, source, ctx))
            reasons.update(result.reason_kinds)
            read = chunk.batch.num_rows + len(chunk.rejects)
            manifest.rows_read += read
            if progress:
                progress(read)
        manifest.rows_written = partition.data.rows
        manifest.rows_quarantined = partition.quarantine.rows
        manifest.quarantine_reasons = dict(reasons.most_common())
        if manifest.rows_read != manifest.rows_written + manifest.rows_quarantined:  # never publish lost rows
            raise PipelineError(
                f"{source}: read {manifest.rows_read} rows but wrote {manifest.rows_written} "
                f"and quarantined {manifest.rows_quarantined}"
            )
        previous = None
        if fingerprint is not None:
            manifest.fingerprint = fingerprint.hexdigest()
            previous = latest_manifest_before(ctx.lake, entity.name, ctx.day)
        if previous is not None and previous.fingerprint == manifest.fingerprint:
            partition.abort()  # the content changed back while we read it: still the stored delivery
            return publish_unchanged(entity, source, manifest.fingerprint, previous, ctx)
        if previous is not None and not _accepted_before(manifest, ctx):
            refuse_shrink(manifest, previous, ctx, limits)
        _check_quarantine_share(manifest, limits)
        remove_manifest(ctx.lake, entity.name, ctx.day)  # invisible from here until the new manifest lands
        manifest.outputs, manifest.quarantine = partition.publish(ctx.lake)
    except BaseException:
        partition.abort()
        raise
    write_manifest(ctx.lake, manifest, kms_key_id=ctx.kms_key_id)
    return manifest
