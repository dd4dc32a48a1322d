"""Fixtures for the dbt tests: one DuckDB warehouse of hand-written RAW deliveries, built once per session."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from dbt_raw import base_raw, write_raw
from dbt_warehouse import make_settings

from coretelecoms.settings import Settings
from coretelecoms.transform import TransformResult, dbt_build


@dataclass(frozen=True)
class Built:
    settings: Settings
    result: TransformResult


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The base RAW data built into marts once; tests that only read share it (a build is ~5 s)."""
    settings = make_settings(tmp_path_factory.mktemp("built"))
    write_raw(settings.duckdb_path, base_raw())
    return Built(settings, dbt_build(settings, progress=False))
