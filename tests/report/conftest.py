"""Fixtures for the report tests: real marts, built by dbt from the hand-written RAW deliveries of tests/dbt."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# The RAW fixtures live beside the dbt tests; a folder named dbt cannot be a package (it would shadow dbt).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from dbt_raw import base_raw, write_raw
from dbt_warehouse import make_settings

from coretelecoms.settings import Settings
from coretelecoms.transform import dbt_build


@dataclass(frozen=True)
class Marts:
    settings: Settings
    raw: dict


@pytest.fixture(scope="session")
def marts(tmp_path_factory: pytest.TempPathFactory) -> Marts:
    """A DuckDB warehouse with every mart built from the base RAW data (one dbt build, ~20 s)."""
    settings = make_settings(tmp_path_factory.mktemp("report-marts"))
    raw = base_raw()
    write_raw(settings.duckdb_path, raw)
    result = dbt_build(settings, progress=False)
    assert result.success
    return Marts(settings, raw)
