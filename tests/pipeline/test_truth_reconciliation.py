"""Simulator → every extractor: what lands and what is quarantined equals the simulator's truth manifest."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from coretelecoms.common.entities import ENTITIES
from coretelecoms.extract.engine import RunContext
from coretelecoms.extract.sources import extract
from coretelecoms.lake.filesystem import locate
from coretelecoms.simulator.generate import GenerateConfig, generate

START = date(2025, 11, 20)
DAYS = 3


@pytest.fixture(scope="module")
def generated(tmp_path_factory, pg_dsn):
    home = tmp_path_factory.mktemp("truth")
    config = GenerateConfig(
        source_url=(home / "sources" / "bucket").as_uri(),
        agents_path=home / "sources" / "agents.xlsx",
        postgres_dsn=pg_dsn,
        start=START,
        days=DAYS,
        scale=0.5,
        seed=7,
    )
    return home, generate(config)


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_extract_matches_truth(generated, entity, monkeypatch, pg_dsn):
    from coretelecoms.settings import Settings

    home, manifest = generated
    settings = Settings(home=home, postgres_dsn=pg_dsn)
    truth = manifest["entities"][entity]
    days = truth.get("days") or {START.isoformat(): truth}
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        expected = days.get(day.isoformat(), truth)
        ctx = RunContext(lake=locate(settings.lake_url), day=day, run_id="truth")
        summary = extract(entity, settings, ctx)
        assert summary.rows_read == expected["rows"], (entity, day)
        assert summary.rows_quarantined == expected["expected_quarantined"], (entity, day)
        assert summary.rows_written == expected["expected_written"], (entity, day)
        assert bool(summary.drift_columns) == bool(expected.get("drift", False)), (entity, day)
    assert Path(locate(settings.lake_url).path, "raw", entity).exists()
