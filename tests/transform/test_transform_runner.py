"""dbt_build against real dbt and DuckDB: targets, one-line failures, progress, and a released warehouse file."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa
import pytest

from coretelecoms.common.entities import AGENTS, WEB_FORMS, Entity
from coretelecoms.common.errors import PipelineError
from coretelecoms.settings import Settings
from coretelecoms.transform import DBT_TARGET_BY_WAREHOUSE, dbt_build, default_project_dir
from coretelecoms.transform.runner import _environment


def _settings(tmp_path) -> Settings:
    return Settings(home=tmp_path, duckdb_path=tmp_path / "warehouse.duckdb", warehouse="duckdb")


def _raw(settings: Settings, entity: Entity, rows: list[dict], *, drop: tuple[str, ...] = ()) -> None:
    """One RAW table with lineage, optionally missing some columns (a broken load)."""
    now = datetime.now(UTC)
    lineage = {"_ingested_at": now, "_source": "test", "_run_id": "r", "_ingest_date": date(2025, 11, 20),
               "_loaded_at": now}  # fmt: skip
    schema = entity.schema.append(pa.field("_loaded_at", pa.timestamp("us", tz="UTC")))
    table = pa.Table.from_pylist([{**row, **lineage} for row in rows], schema=schema)
    table = table.drop_columns(list(drop))
    con = duckdb.connect(str(settings.duckdb_path))
    con.execute("create schema if not exists raw")
    con.register("incoming", table)
    con.execute(f"create or replace table raw.{entity.table} as select * from incoming")
    con.close()


def test_targets_follow_the_configured_warehouse():
    assert DBT_TARGET_BY_WAREHOUSE == {"duckdb": "local", "snowflake": "snowflake"}
    assert (default_project_dir() / "dbt_project.yml").is_file()


def test_unknown_target_is_a_one_line_pipeline_error(tmp_path):
    with pytest.raises(PipelineError) as caught:
        dbt_build(_settings(tmp_path), target="nope", progress=False)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        "dbt build could not run on target nope: The profile 'coretelecoms' does not have"
    )


def test_a_failing_model_names_itself_and_the_database_error(tmp_path):
    settings = _settings(tmp_path)
    _raw(
        settings,
        AGENTS,
        [{"agent_id": 1, "name": "A", "experience": "Mid", "state": "NY"}],
        drop=("experience",),
    )
    with pytest.raises(PipelineError) as caught:
        dbt_build(settings, select="stg_raw__agents", progress=False)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("dbt build failed on target local: model stg_raw__agents: Binder Error")
    assert '"experience"' in message


@pytest.mark.parametrize("absurd", [datetime(2999, 12, 31, 9), datetime(1900, 1, 1), datetime(2019, 12, 31, 9)])
def test_a_complaint_outside_the_calendar_is_flagged_and_the_build_passes(tmp_path, capsys, absurd):
    """Everything else is missing (built empty); one complaint is dated outside dim_date's calendar.

    It used to fail every later build on the dim_date relationship test (issue 11.7): now its date is
    nulled and flagged, a warning counts it, and the complaint flows, dated by its delivery.
    """
    settings = _settings(tmp_path)
    _raw(settings, WEB_FORMS, [
        {"request_id": "W1", "customer_id": "c", "complaint_category": "Payments", "agent_id": 1,
         "resolution_status": "Resolved", "request_date": absurd, "resolution_date": None,
         "generation_date": date(2025, 11, 20)},
        {"request_id": "W2", "customer_id": "c", "complaint_category": "Payments", "agent_id": 1,
         "resolution_status": "Backlog", "request_date": datetime(2025, 11, 20, 8), "resolution_date": None,
         "generation_date": date(2025, 11, 20)},
    ])  # fmt: skip
    result = dbt_build(settings)
    assert result.success
    assert "stg_raw__web_form_requests_dates_within_calendar" in result.warnings
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    rows = con.execute(
        "select source_complaint_id, requested_at, complaint_date from marts.fct_complaints order by 1"
    ).fetchall()
    con.close()
    assert rows == [("W1", None, date(2025, 11, 20)), ("W2", datetime(2025, 11, 20, 8), date(2025, 11, 20))]
    # Progress went to stderr as JSON lines (pytest's stderr is not a terminal): freshness, then build.
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert {r["node"] for r in records if r["kind"] == "source"} >= {"raw.web_form_requests", "raw.call_logs"}
    assert {r["node"] for r in records if r["status"] == "warn"} >= {
        "stg_raw__web_form_requests_dates_within_calendar"
    }
    assert not [r for r in records if r["status"] in ("fail", "error")]
    assert records[-1]["index"] == records[-1]["total"]
    # "Every later transform" failed: the next build (incremental, the row still in RAW) passes too.
    later = dbt_build(settings, progress=False)
    assert later.success and "stg_raw__web_form_requests_dates_within_calendar" in later.warnings


def test_the_warehouse_file_is_released_after_a_build(tmp_path):
    settings = _settings(tmp_path)
    _raw(settings, AGENTS, [{"agent_id": 1, "name": "A", "experience": "Mid", "state": "NY"}])
    result = dbt_build(settings, select="stg_raw__agents", progress=False)
    assert (result.models_passed, result.tests_failed) == (1, 0)
    # Another connection of this process, with another configuration, can open the file.
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    assert con.execute("select experience_level from staging.stg_raw__agents").fetchall() == [("Mid-level",)]
    con.close()


def test_environment_is_restored(monkeypatch):
    monkeypatch.setenv("CORETELECOMS_HOME", "/before")
    monkeypatch.delenv("CORETELECOMS_DUCKDB_PATH", raising=False)
    with _environment({"CORETELECOMS_HOME": "/during", "CORETELECOMS_DUCKDB_PATH": "/during/w.duckdb"}):
        assert os.environ["CORETELECOMS_DUCKDB_PATH"] == "/during/w.duckdb"
    assert os.environ["CORETELECOMS_HOME"] == "/before"
    assert "CORETELECOMS_DUCKDB_PATH" not in os.environ
