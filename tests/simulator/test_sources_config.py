"""Mess-rate overrides and per-entity day lists, as the CLI passes them."""

from __future__ import annotations

from datetime import date

import pytest

from coretelecoms.simulator import MessRates, entity_days


def test_overrides_change_only_what_they_name():
    rates = MessRates().override(["duplicate=0.2", "empty-id=0", "schema_drift=false"])
    assert (rates.duplicate, rates.empty_id, rates.schema_drift) == (0.2, 0.0, False)
    assert rates.bad_timestamp == MessRates().bad_timestamp


@pytest.mark.parametrize(
    "item", ["duplicates=0.1", "duplicate", "duplicate=lots", "duplicate=2", "schema_drift=maybe"]
)
def test_bad_overrides_are_refused(item):
    with pytest.raises(ValueError, match=r"duplicate|rate|schema_drift"):
        MessRates().override([item])


def test_entity_days():
    assert entity_days(["social-media=2025-11-21", "social-media=2025-11-22", "call-logs=2025-11-20"]) == {
        "social-media": {date(2025, 11, 21), date(2025, 11, 22)},
        "call-logs": {date(2025, 11, 20)},
    }
    with pytest.raises(ValueError, match="ENTITY=YYYY-MM-DD"):
        entity_days(["social-media:2025-11-21"])
