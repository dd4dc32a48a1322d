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


def test_a_complaint_outside_the_calendar_fails_its_relationship_test(tmp_path, capsys):
    """Everything else is missing (built empty); the one complaint is dated before dim_date begins."""
    settings = _settings(tmp_path)
    _raw(settings, WEB_FORMS, [{"request_id": "W1", "customer_id": "c", "complaint_category": "Payments",
                                "agent_id": 1, "resolution_status": "Resolved",
                                "request_date": datetime(2019, 12, 31, 9), "resolution_date": None,
                                "generation_date": date(2025, 11, 20)}])  # fmt: skip
    with pytest.raises(PipelineError) as caught:
        dbt_build(settings)
    assert "test relationships_fct_complaints_complaint_date__date_day__ref_dim_date_: Got 1 result" in str(
        caught.value
    )
    # Progress went to stderr as JSON lines (pytest's stderr is not a terminal): freshness, then build.
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert {r["node"] for r in records if r["kind"] == "source"} >= {"raw.web_form_requests", "raw.call_logs"}
    failed = [r for r in records if r["status"] == "fail"]
    assert {r["node"] for r in failed} == {
        "relationships_fct_complaints_complaint_date__date_day__ref_dim_date_",
        "relationships_agent_daily_performance_complaint_date__date_day__ref_dim_date_",
    }
    assert records[-1]["index"] == records[-1]["total"]


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
