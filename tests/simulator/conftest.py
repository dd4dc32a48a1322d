"""Fixtures for the source-simulator tests: a real PostgreSQL (pgserver) and generated runs to inspect.

All runs share one PostgreSQL, whose web-form tables are named by date, so every run here uses its own
dates: two runs on the same dates would replace each other's tables.
"""

from __future__ import annotations

from datetime import date

import pytest
from sources_runs import HEAVY, Run, run_sources

from coretelecoms.common.postgres import postgres_dsn


@pytest.fixture(scope="session")
def sources_pg(tmp_path_factory: pytest.TempPathFactory):
    """A PostgreSQL of these tests' own, so no other suite's web-form tables can collide with theirs."""
    with postgres_dsn(None, tmp_path_factory.mktemp("pg")) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def heavy_run(tmp_path_factory: pytest.TempPathFactory, sources_pg: str) -> Run:
    """Four days at scale 2 with every mess frequent; web forms on 2025-11-20..23.

    Scale 2 so that even the smallest channel (social media, ~38 a day) carries every mess.
    """
    return run_sources(
        tmp_path_factory.mktemp("heavy"), sources_pg, date(2025, 11, 20), 4, scale=2, rates=HEAVY, seed=7
    )


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory, sources_pg: str) -> Run:
    """Three days at scale 1 with the default rates, as the demo runs; web forms on 2026-01-10..12."""
    return run_sources(tmp_path_factory.mktemp("default"), sources_pg, date(2026, 1, 10), 3)
