"""The warehouses a day can be loaded into, by name; each is one module with the same two functions.

A warehouse module provides `config_from(settings)` (its configuration, built once at the step's entry)
and `load_day(config, lake, day) -> LoadSummary` (through `load.job.run`, so the transaction rule is
shared). tests/load/test_loader_contract.py runs the same suite over every module listed here.
"""

from __future__ import annotations

import importlib
from datetime import date
from types import ModuleType

from coretelecoms.lake.filesystem import locate
from coretelecoms.load.common import LoadSummary
from coretelecoms.settings import Settings

WAREHOUSES = {"duckdb": "coretelecoms.load.duckdb", "snowflake": "coretelecoms.load.snowflake"}


def warehouse(name: str) -> ModuleType:
    """The loader module of a warehouse (imported on demand: the Snowflake driver is heavy)."""
    return importlib.import_module(WAREHOUSES[name])


def load(settings: Settings, day: date) -> LoadSummary:
    """Load `day`'s published lake partitions into the configured warehouse's RAW tables."""
    module = warehouse(settings.warehouse)
    return module.load_day(module.config_from(settings), locate(settings.lake_url), day)
