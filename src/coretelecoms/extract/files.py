"""The source bucket (S3 or a local folder): customers and call-log CSVs, social-media column-oriented JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import pyarrow as pa

from coretelecoms.common.entities import CALL_LOGS, CUSTOMERS, SOCIAL_MEDIA, Entity
from coretelecoms.common.errors import PipelineError, SourceMissingError
from coretelecoms.extract.csv_stream import CsvChunks
from coretelecoms.extract.json_columns import ColumnJsonChunks
from coretelecoms.extract.records import Delivery
from coretelecoms.lake.filesystem import Location, locate
from coretelecoms.settings import Settings


def source_file(bucket_url: str, entity: Entity, day: date) -> Location:
    """Where the entity's file for `day` lives in the source bucket (its location, `{date}` filled in)."""
    return locate(bucket_url).join(entity.location.format(date=day.isoformat()))


def _open(location: Location) -> pa.NativeFile:
    try:
        return location.fs.open_input_stream(location.path)
    except FileNotFoundError as exc:
        raise SourceMissingError(f"source file not found: {location.url}") from exc
    except OSError as exc:
        raise PipelineError(f"cannot read {location.url}: {exc}") from exc


@contextmanager
def _open_file(
    settings: Settings,
    entity: Entity,
    day: date,
    reader: Callable[[pa.NativeFile, str], CsvChunks | ColumnJsonChunks],
) -> Iterator[Delivery]:
    location = source_file(settings.source_url, entity, day)
    with _open(location) as stream:
        chunks = reader(stream, location.url)
        yield Delivery(location.url, chunks.headers, chunks)


def open_customers(settings: Settings, day: date):
    """The customers snapshot: one CSV, re-delivered whole (the date does not change the file)."""
    return _open_file(settings, CUSTOMERS, day, CsvChunks)


def open_call_logs(settings: Settings, day: date):
    """The day's call-log CSV (note the space in `call logs/`)."""
    return _open_file(settings, CALL_LOGS, day, CsvChunks)


def open_social_media(settings: Settings, day: date):
    """The day's social-media complaints, pandas' column-oriented JSON."""
    return _open_file(settings, SOCIAL_MEDIA, day, ColumnJsonChunks)
