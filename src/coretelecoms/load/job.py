"""The one transaction rule of every warehouse: a day's RAW rows and its manifests commit together or not at all.

A warehouse supplies a `LoadJob` (connect, stage, replace one partition, replace the manifest rows,
commit); `run` drives it the same way for all of them, so they cannot drift apart on what a load means.
"""

from __future__ import annotations

import logging
from datetime import date
from types import TracebackType
from typing import Protocol

from coretelecoms.lake.filesystem import Location
from coretelecoms.load import manifest_table
from coretelecoms.load.common import LoadSummary, TableLoad
from coretelecoms.load.partitions import Partition, day_partitions

log = logging.getLogger(__name__)


class LoadJob(Protocol):
    """One day's load into one warehouse; leaving the `with` block without `commit()` rolls everything back."""

    warehouse: str  # how the summary names the warehouse, e.g. "duckdb:/path/warehouse.duckdb"
    reads_lake: (
        bool  # False when the warehouse reads the data files itself: the loader then reads manifests only
    )

    def __enter__(self) -> LoadJob: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def prepare(self, partitions: list[Partition]) -> None:
        """Create missing tables and stage files: what must happen before the transaction opens."""

    def begin(self) -> None: ...

    def replace(self, partition: Partition) -> int:
        """Replace the day's rows of the partition's RAW table with its files; the day's rows there now."""

    def replace_manifests(self, day: date, rows: list[tuple]) -> None:
        """Replace the day's rows of raw.extract_manifests (columns as manifest_table.SCHEMA)."""

    def commit(self) -> None: ...


def run(job: LoadJob, lake: Location, day: date) -> LoadSummary:
    """Load `day`'s published partitions into RAW through `job`, all tables in one transaction."""
    # Before connecting: a partial day is refused up front.
    partitions = day_partitions(lake, day, check_files=job.reads_lake)
    summary = LoadSummary(date=day.isoformat(), warehouse=job.warehouse)
    with job:
        job.prepare(partitions)
        job.begin()
        for partition in partitions:
            rows = job.replace(partition)
            summary.tables.append(
                TableLoad(
                    partition.entity.table,
                    rows,
                    [f.url for f in partition.files],
                    partition.manifest.unchanged_since,
                )
            )
        job.replace_manifests(day, manifest_table.rows(partitions))
        summary.manifests = len(partitions)
        job.commit()
    for table in summary.tables:
        if table.unchanged_since:
            log.info(
                "%s of %s is unchanged since %s: no rows stored again",
                table.table,
                day,
                table.unchanged_since,
            )
        else:
            log.info("loaded %d rows of %s into raw.%s", table.rows, day, table.table)
    return summary
