"""Helpers to write small, hand-made source files in their exact real layouts and read the lake back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from coretelecoms.lake.filesystem import locate
from coretelecoms.settings import Settings

DAY = date(2025, 11, 20)
CALL_HEADER = ",call ID,customeR iD,COMPLAINT_catego ry,agent ID,call_start_time,call_end_time,resolutionstatus,callLogsGenerationDate"


def write_source(settings: Settings, key: str, text: str | bytes) -> Path:
    path = Path(locate(settings.source_url).path) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def read_partition(
    settings: Settings, zone: str, entity: str, name: str = "part-00000.parquet", day: date = DAY
):
    path = Path(locate(settings.lake_url).path) / zone / entity / f"ingest_date={day}" / name
    return pq.read_table(path)


def quarantined(settings: Settings, entity: str, day: date = DAY) -> dict[str, str]:
    """The day's quarantine of `entity` as {location: reason}."""
    table = read_partition(settings, "quarantine", entity, day=day)
    return {r["location"]: r["reason"] for r in table.to_pylist()}
