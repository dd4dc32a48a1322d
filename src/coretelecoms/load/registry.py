"""Pick the configured warehouse's loader."""

from __future__ import annotations

from datetime import date

from coretelecoms.lake.filesystem import locate
from coretelecoms.load.common import LoadSummary
from coretelecoms.settings import Settings


def load(settings: Settings, day: date) -> LoadSummary:
    """Load `day`'s lake partitions into the configured warehouse's RAW tables."""
    lake = locate(settings.lake_url)
    if settings.warehouse == "snowflake":
        from coretelecoms.load.snowflake import load_day as load_snowflake

        return load_snowflake(settings, lake, day)
    from coretelecoms.load.duckdb import load_day as load_duckdb

    return load_duckdb(settings.duckdb_path, lake, day)
