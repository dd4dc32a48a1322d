"""`raw.extract_manifests`: one row per entity and ingest date, what each published partition says of itself."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pyarrow as pa

from coretelecoms.load.partitions import Partition

TABLE = "extract_manifests"
DATE_COLUMN = "ingest_date"
SCHEMA = pa.schema(
    [
        pa.field("entity", pa.string()),
        pa.field("ingest_date", pa.date32()),
        pa.field("run_id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("rows_read", pa.int64()),
        pa.field("rows_written", pa.int64()),
        pa.field("rows_quarantined", pa.int64()),
        pa.field("quarantine_reasons", pa.string()),  # a JSON object, reason -> count
        pa.field("top_quarantine_reason", pa.string()),
        pa.field("drift_columns", pa.string()),  # a JSON array
        pa.field("fingerprint", pa.string()),
        pa.field("unchanged_since", pa.date32()),
        pa.field("published_at", pa.timestamp("us")),  # UTC
    ]
)


def rows(partitions: list[Partition]) -> list[tuple]:
    """The table's rows for the day's partitions, in SCHEMA's column order."""
    return [_row(p) for p in partitions]


def _row(partition: Partition) -> tuple:
    m = partition.manifest
    reasons = dict(m.quarantine_reasons or {})
    # The commonest reason, ties broken by name so a re-load writes the same row.
    top = min(reasons, key=lambda r: (-reasons[r], r)) if reasons else None
    published = _utc_naive(datetime.fromisoformat(m.published_at)) if m.published_at else None
    return (
        m.entity,
        date.fromisoformat(m.date),
        m.run_id,
        m.source,
        int(m.rows_read),
        int(m.rows_written),
        int(m.rows_quarantined),
        json.dumps(reasons, sort_keys=True),
        top,
        json.dumps(list(m.drift_columns or [])),
        m.fingerprint,
        date.fromisoformat(m.unchanged_since) if m.unchanged_since else None,
        published,
    )


def _utc_naive(moment: datetime) -> datetime:
    """A naive UTC timestamp (the column's type on both warehouses); a naive input is taken as UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
