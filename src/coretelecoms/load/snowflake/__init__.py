"""Snowflake loader: `connection` logs in, `copy_job` runs the day's COPYs; both driven by `load.job.run`."""

from __future__ import annotations

from datetime import date

from coretelecoms.lake.filesystem import Location
from coretelecoms.load import job
from coretelecoms.load.common import LoadSummary
from coretelecoms.settings import Settings, SnowflakeSettings


def config_from(settings: Settings) -> SnowflakeSettings:
    """The SNOWFLAKE_* settings (the pipeline settings say only that Snowflake is the warehouse)."""
    from coretelecoms.load.snowflake.connection import settings_from_env

    return settings_from_env()


def load_day(config: SnowflakeSettings, lake: Location, day: date) -> LoadSummary:
    """Replace `day`'s rows of every RAW table (and of raw.extract_manifests) with the day's partitions, atomically.

    Raises:
        PipelineError: one line naming what failed and what to check; RAW is unchanged.
    """
    from coretelecoms.load.snowflake.copy_job import SnowflakeLoad

    return job.run(SnowflakeLoad(config, day), lake, day)
