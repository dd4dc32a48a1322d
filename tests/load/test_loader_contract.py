"""One contract, every warehouse: the same suite runs over each loader module in `load.warehouses`.

A day loads every RAW table and its manifests; a re-load replaces; a corrupt file anywhere leaves none of
the day's rows anywhere; only published partitions and their listed files count; an unchanged snapshot
stores no rows. Snowflake runs against a real fakesnow server, DuckDB on a real file. A new warehouse is a
new module in WAREHOUSES plus its entry in TARGETS below; test_every_warehouse_is_checked keeps them in step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from lake_days import ids_for, publish, publish_day, rows_for
from snowflake_reader import snowflake_query

from coretelecoms.common.entities import ENTITIES
from coretelecoms.common.errors import PipelineError
from coretelecoms.lake import layout
from coretelecoms.lake.filesystem import Location, locate
from coretelecoms.load.common import LoadSummary
from coretelecoms.load.warehouses import WAREHOUSES, warehouse
from coretelecoms.settings import Settings

D1, D2 = date(2025, 11, 20), date(2025, 11, 21)
CUSTOMERS, CALL_LOGS = ENTITIES["customers"], ENTITIES["call-logs"]


@dataclass
class Target:
    """A warehouse under test: its loader module's config, and a reader in a separate session."""

    name: str
    config: object
    query: Callable[[str], list[tuple]]

    def load(self, lake: Location, day: date) -> LoadSummary:
        return warehouse(self.name).load_day(self.config, lake, day)

    def state(self) -> dict[str, list[tuple]]:
        """Every RAW table's row count per ingest date, and the manifest table's rows per date."""
        state = {
            e.table: self.query(f"SELECT _ingest_date, count(*) FROM raw.{e.table} GROUP BY 1 ORDER BY 1")
            for e in ENTITIES.values()
        }
        state["extract_manifests"] = self.query(
            "SELECT ingest_date, entity, run_id, rows_written FROM raw.extract_manifests ORDER BY 1, 2"
        )
        return state


def _duckdb(settings: Settings, request) -> Target:
    path = settings.duckdb_path

    def query(sql: str) -> list[tuple]:
        if not Path(path).exists():
            return []
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(sql).fetchall()

    return Target("duckdb", warehouse("duckdb").config_from(settings), query)


def _snowflake(settings: Settings, request) -> Target:
    sf = request.getfixturevalue("sf")
    return Target("snowflake", sf, lambda sql: snowflake_query(sf, sql))


TARGETS = {"duckdb": _duckdb, "snowflake": _snowflake}


def test_every_warehouse_is_checked():
    assert set(TARGETS) == set(WAREHOUSES)


@pytest.fixture(params=sorted(TARGETS))
def target(request, home) -> Target:
    return TARGETS[request.param](Settings(), request)


@pytest.fixture
def lake(home) -> Location:
    return locate(Settings().lake_url)


def _after_first_load(target: Target, lake: Location) -> dict:
    publish_day(lake, D1, size=2)
    target.load(lake, D1)
    return target.state()


def test_a_day_loads_every_table_and_its_manifests(target, lake):
    publish_day(lake, D1, size=2)
    summary = target.load(lake, D1)
    assert {t.table: t.rows for t in summary.tables} == {e.table: 2 for e in ENTITIES.values()}
    assert summary.rows_loaded == 10 and summary.manifests == 5
    assert summary.warehouse.startswith(f"{target.name}:")
    calls = next(t for t in summary.tables if t.table == "call_logs")
    assert calls.files == [layout.data_file(lake, CALL_LOGS.name, D1).url]
    state = target.state()
    assert all(state[e.table] == [(D1, 2)] for e in ENTITIES.values())
    assert state["extract_manifests"] == [(D1, name, "test-run", 2) for name in sorted(ENTITIES)]
    assert json.loads(summary.to_json())["rows_loaded"] == 10


def test_a_reload_replaces_the_day_and_leaves_other_days(target, lake):
    _after_first_load(target, lake)
    publish_day(lake, D2, size=3)
    target.load(lake, D2)
    # A re-extracted D1 call-logs partition (one row, a new run) and a re-load of D1.
    publish(lake, CALL_LOGS, D1, rows_for(CALL_LOGS, D1, ["only-one"]), run_id="rerun")
    target.load(lake, D1)
    target.load(lake, D1)  # and again: still one copy
    state = target.state()
    assert state["call_logs"] == [(D1, 1), (D2, 3)]
    assert state["customers"] == [(D1, 2), (D2, 3)]
    assert target.query("SELECT call_id FROM raw.call_logs WHERE _ingest_date = '2025-11-20'") == [
        ("only-one",)
    ]
    manifests = state["extract_manifests"]
    assert len(manifests) == 10 and (D1, "call-logs", "rerun", 1) in manifests


def _corrupt(path: Path, kind: str) -> None:
    data = path.read_bytes()
    if kind == "truncated":  # an upload cut short: no footer
        path.write_bytes(data[: len(data) // 2])
    else:  # pages overwritten in the middle, footer intact: fails only while reading
        middle = len(data) // 3
        path.write_bytes(data[:8] + b"\xff" * (middle - 8) + data[middle:])


@pytest.mark.parametrize("kind", ["truncated", "garbled"])
def test_a_corrupt_file_leaves_none_of_the_days_rows_anywhere(target, lake, kind):
    before = _after_first_load(target, lake)
    # A re-extract with more rows everywhere, one of whose files is corrupt; and a new day alike.
    for day in (D1, D2):
        publish_day(lake, day, size=40, prefix="v2-")
        _corrupt(Path(layout.data_file(lake, CALL_LOGS.name, day).path), kind)
    for day in (D1, D2):
        with pytest.raises(PipelineError) as info:
            target.load(lake, day)
        message = str(info.value)
        assert "\n" not in message and "unexpected" not in message and "ArrowInvalid" not in message
        assert layout.data_file(lake, CALL_LOGS.name, day).url in message and "raw.call_logs" in message
        assert "nothing was committed" in message
    assert target.state() == before  # D1 as it was, in every table; D2 nowhere, manifests included


def test_manifest_table_rows_say_what_each_partition_says(target, lake):
    calls = publish(
        lake,
        CALL_LOGS,
        D1,
        rows_for(CALL_LOGS, D1, ["a", "b"]),
        quarantined={"bad_agent_id": 3, "bad_date": 3, "z": 1},
    )
    for i, entity in enumerate(ENTITIES.values()):
        if entity is not CALL_LOGS:
            publish(lake, entity, D1, rows_for(entity, D1, ids_for(entity, i, 1)))
    target.load(lake, D1)
    rows = target.query(
        "SELECT entity, ingest_date, run_id, source, rows_read, rows_written, rows_quarantined, quarantine_reasons, "
        "top_quarantine_reason, drift_columns, fingerprint, unchanged_since, published_at "
        "FROM raw.extract_manifests WHERE entity = 'call-logs'"
    )
    assert len(rows) == 1
    row = rows[0]
    assert row[:7] == ("call-logs", D1, "test-run", calls.source, 9, 2, 7)
    assert json.loads(row[7]) == {"bad_agent_id": 3, "bad_date": 3, "z": 1}
    assert row[8] == "bad_agent_id"  # the commonest, ties by name
    assert (json.loads(row[9]), row[10], row[11]) == ([], None, None)
    assert isinstance(row[12], datetime) and row[12].isoformat().startswith(calls.published_at[:19])


def test_an_unchanged_snapshot_stores_no_rows_for_its_date(target, lake):
    _after_first_load(target, lake)
    publish_day(lake, D2, size=2)
    target.load(lake, D2)  # D2's customers first arrived changed ...
    publish(lake, CUSTOMERS, D2, None, unchanged_since=D1)  # ... then re-extracted: the same as D1's
    summary = target.load(lake, D2)
    customers = next(t for t in summary.tables if t.table == "customers")
    assert (customers.rows, customers.files, customers.unchanged_since) == (0, [], D1.isoformat())
    assert target.state()["customers"] == [(D1, 2)]
    assert target.query(
        "SELECT unchanged_since, rows_written FROM raw.extract_manifests WHERE entity = 'customers' AND ingest_date = '2025-11-21'"
    ) == [(D1, 0)]


def test_only_published_partitions_and_their_listed_files_are_read(target, lake):
    before = _after_first_load(target, lake)
    # A stray file in a published partition (a killed run's leftover) is not listed, so not loaded.
    stray = Path(layout.partition(lake, layout.RAW, CALL_LOGS.name, D1).join("part-00001.parquet").path)
    stray.write_bytes(Path(layout.data_file(lake, CALL_LOGS.name, D1).path).read_bytes())
    target.load(lake, D1)
    assert target.state()["call_logs"] == [(D1, 2)]
    # A partition being re-published has no manifest: the day is refused whole, naming the entity.
    publish_day(lake, D2, size=2)
    (Path(layout.partition(lake, layout.RAW, "agents", D2).path) / "_manifest.json").unlink()
    with pytest.raises(
        PipelineError, match=r"no published partition for agents on 2025-11-21 .*nothing was loaded"
    ):
        target.load(lake, D2)
    assert target.state() == {**before, "call_logs": [(D1, 2)]}


def test_a_manifest_listing_an_absent_file_is_refused(target, lake):
    before = _after_first_load(target, lake)
    publish_day(lake, D2, size=2)
    Path(layout.data_file(lake, "web-forms", D2).path).unlink()
    with pytest.raises(
        PipelineError, match=r"lists .*web-forms/ingest_date=2025-11-21/part-00000.parquet, which is absent"
    ):
        target.load(lake, D2)
    assert target.state() == before
