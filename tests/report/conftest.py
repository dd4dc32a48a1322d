"""Fixtures for the report tests: real marts, built by dbt from the hand-written RAW deliveries of tests/dbt."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The RAW fixtures live beside the dbt tests; a folder named dbt cannot be a package (it would shadow dbt).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from dbt_raw import BaseMarts, build_base_marts


@pytest.fixture(scope="session")
def marts(tmp_path_factory: pytest.TempPathFactory) -> BaseMarts:
    """A DuckDB warehouse with every mart built from the base RAW data (one dbt build, ~20 s)."""
    marts = build_base_marts(tmp_path_factory.mktemp("report-marts"))
    assert marts.result.success
    return marts
