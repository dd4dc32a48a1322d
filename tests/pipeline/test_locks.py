"""Commands on one home take turns where they would collide (pipeline/locks.py), and only there."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from coretelecoms.common.entities import ENTITIES
from coretelecoms.load import warehouses
from coretelecoms.pipeline import tasks
from coretelecoms.pipeline.locks import exclusive
from coretelecoms.settings import Settings

D1, D2 = date(2025, 11, 20), date(2025, 11, 21)


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_a_load_waits_for_an_extract_of_its_day_and_not_of_another(entity, tmp_path, monkeypatch):
    """Two `run`s on one home: one re-extracting a partition (hidden until its manifest lands) while the
    other loads that day failed with `no published partition` (issue 11.10)."""
    settings = Settings(home=tmp_path, warehouse="duckdb")
    loaded: list[date] = []
    monkeypatch.setattr(warehouses, "load", lambda _settings, day: loaded.append(day))

    def load(day: date) -> threading.Thread:
        thread = threading.Thread(target=tasks.load, args=(day, settings), daemon=True)
        thread.start()
        return thread

    with exclusive(tmp_path, tasks.partition_lock(entity, D1)):  # an extract of D1 under way
        other_day = load(D2)
        other_day.join(timeout=10)
        assert loaded == [D2]  # another day's load does not wait
        same_day = load(D1)
        same_day.join(timeout=1)
        assert same_day.is_alive() and loaded == [D2]
    same_day.join(timeout=10)
    assert loaded == [D2, D1]
