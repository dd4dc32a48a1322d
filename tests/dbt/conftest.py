"""Fixtures for the dbt tests: one DuckDB warehouse of hand-written RAW deliveries, built once per session."""

from __future__ import annotations

import pytest
from dbt_raw import BaseMarts, build_base_marts


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BaseMarts:
    """The base RAW data built into marts once; tests that only read share it (a build is ~5 s)."""
    return build_base_marts(tmp_path_factory.mktemp("built"))
