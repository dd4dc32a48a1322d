"""Snapshots (customers, agents): stored once per distinct delivery, refused when they shrink.

A snapshot is re-delivered whole every day and mostly unchanged, so before the full extract a cheap
pass hashes the delivery's raw records (fingerprint.py); when they equal the latest stored delivery's,
the day is published as `unchanged_since` that delivery and nothing is typed, written or stored again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coretelecoms.common.entities import Entity
from coretelecoms.common.errors import PipelineError
from coretelecoms.extract.fingerprint import Fingerprint
from coretelecoms.extract.records import Delivery
from coretelecoms.lake import layout
from coretelecoms.lake.manifest import PartitionManifest, remove_manifest, write_manifest
from coretelecoms.lake.writer import clear_scratch, remove_if_exists

if TYPE_CHECKING:
    from coretelecoms.extract.engine import Limits, RunContext


def refuse_shrink(
    manifest: PartitionManifest, previous: PartitionManifest, ctx: RunContext, limits: Limits
) -> None:
    """A delivery far smaller than the last accepted one is a truncated file, unless the run says otherwise."""
    floor = limits.snapshot_min_ratio * previous.rows_read
    if manifest.rows_read < floor and not ctx.accept_shrink:
        raise PipelineError(
            f"{manifest.entity} {manifest.date}: the delivery has {manifest.rows_read} rows, "
            f"{manifest.rows_read / max(previous.rows_read, 1):.0%} of the {previous.rows_read} of the last "
            f"accepted one ({previous.stored_date}), below CORETELECOMS_SNAPSHOT_MIN_RATIO="
            f"{limits.snapshot_min_ratio:g}; refused as truncated, nothing published "
            "(re-run with --accept-shrink if the shrink is deliberate)"
        )


def publish_unchanged(
    entity: Entity, source: str, fingerprint: str, stored: PartitionManifest, ctx: RunContext
) -> PartitionManifest:
    """Publish the day as the delivery of `stored` again: its figures, no files (the dimension reads that one)."""
    manifest = PartitionManifest(
        entity=entity.name, date=ctx.day.isoformat(), run_id=ctx.run_id, source=source,
        rows_read=stored.rows_read, rows_written=stored.rows_written, rows_quarantined=stored.rows_quarantined,
        quarantine_reasons=dict(stored.quarantine_reasons), drift_columns=list(stored.drift_columns),
        fingerprint=fingerprint, unchanged_since=stored.stored_date,
    )  # fmt: skip
    clear_scratch(layout.scratch(ctx.lake, entity.name, ctx.day))  # a killed earlier run's leftovers
    remove_manifest(ctx.lake, entity.name, ctx.day)
    quarantine = layout.partition(ctx.lake, layout.QUARANTINE, entity.name, ctx.day)
    for stale in (layout.data_file(ctx.lake, entity.name, ctx.day), quarantine.join(layout.DATA_FILE),
                  quarantine.join(layout.DRIFT_FILE)):  # fmt: skip
        remove_if_exists(stale)  # an earlier run of this day may have stored the delivery itself
    write_manifest(ctx.lake, manifest, kms_key_id=ctx.kms_key_id)
    return manifest


def publish_if_unchanged(
    entity: Entity, delivery: Delivery, ctx: RunContext, previous: PartitionManifest
) -> PartitionManifest | None:
    """Hash the delivery; when it repeats `previous`'s content, publish it unchanged and return the manifest."""
    fingerprint = Fingerprint(delivery.headers)
    for chunk in delivery.chunks:
        fingerprint.update(chunk)
    digest = fingerprint.hexdigest()
    if digest != previous.fingerprint:
        return None
    return publish_unchanged(entity, delivery.source, digest, previous, ctx)
