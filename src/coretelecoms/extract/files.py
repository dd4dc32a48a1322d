"""The source bucket (S3 or a local folder): customers and call-log CSVs, social-media column-oriented JSON."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from coretelecoms.common.entities import (
    CALL_LOGS,
    CALL_LOGS_KEY,
    CUSTOMERS,
    CUSTOMERS_KEY,
    SOCIAL_MEDIA,
    SOCIAL_MEDIA_KEY,
    Entity,
)
from coretelecoms.common.errors import PipelineError, SourceMissingError
from coretelecoms.extract.csv_stream import CsvChunks
from coretelecoms.extract.engine import ExtractSummary, Progress, RunContext, extract_to_lake
from coretelecoms.extract.json_columns import ColumnJsonChunks
from coretelecoms.lake.filesystem import Location, locate

KEYS: dict[str, str] = {
    CUSTOMERS.name: CUSTOMERS_KEY,
    CALL_LOGS.name: CALL_LOGS_KEY,
    SOCIAL_MEDIA.name: SOCIAL_MEDIA_KEY,
}


def source_file(bucket_url: str, entity: Entity, day: date) -> Location:
    """Where the entity's file for `day` lives in the source bucket (SOURCES.md)."""
    return locate(bucket_url).join(KEYS[entity.name].format(date=day.isoformat()))


def _open(location: Location) -> pa.NativeFile:
    try:
        return location.fs.open_input_stream(location.path)
    except FileNotFoundError as exc:
        raise SourceMissingError(f"source file not found: {location.url}") from exc
    except OSError as exc:
        raise PipelineError(f"cannot read {location.url}: {exc}") from exc


def extract_file(
    entity: Entity, bucket_url: str, ctx: RunContext, progress: Progress | None = None
) -> ExtractSummary:
    """Extract one source-bucket file into the lake for ctx.day."""
    location = source_file(bucket_url, entity, ctx.day)
    with _open(location) as stream:
        if entity is SOCIAL_MEDIA:
            chunks = ColumnJsonChunks(stream, location.url)
        else:
            chunks = CsvChunks(stream, location.url)
        return extract_to_lake(entity, location.url, chunks.headers, chunks, ctx, progress)
