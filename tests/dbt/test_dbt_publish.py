"""Write-audit-publish: marts are built and tested in marts_build, and published whole or not at all (issue 11.4)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dbt_raw import C1, DAY3, calls, delivery, load_day
from dbt_warehouse import MARTS, complaints, make_settings, query, snapshot

from coretelecoms.common.entities import CALL_LOGS
from coretelecoms.common.errors import PipelineError
from coretelecoms.transform import dbt_build, default_project_dir
from processes import kill_when

PROJECT = default_project_dir()


def _copy_of(built, tmp_path: Path):
    settings = make_settings(tmp_path)
    shutil.copy(built.settings.duckdb_path, settings.duckdb_path)
    return settings


def _state(settings) -> str:
    return query(settings, "select state from main.marts_publication")[0]["state"]


def _tables(settings, schema: str) -> set[str]:
    rows = query(settings, "select table_name from information_schema.tables where table_schema = ?", [schema])
    return {r["table_name"] for r in rows}


def _day3_calls(*ids: str):
    rows = [(i, C1, 1001, "Payments", "Backlog", "2025-11-22 10:00:00", "2025-11-22 10:05:00", DAY3) for i in ids]
    return delivery(CALL_LOGS, calls(*rows), day=DAY3)


def test_every_mart_is_published_from_the_audited_build(built):
    settings = built.settings
    models = {p.stem for p in (PROJECT / "models" / "marts").glob("*.sql")}
    assert set(MARTS) <= models
    # Every model of the marts folder (whoever added it) is built in marts_build and published.
    assert _tables(settings, "marts") == models
    assert _tables(settings, "marts_build") == models
    def every_row(schema: str) -> dict[str, list[tuple]]:  # lineage included: the published copy is the build
        return {t: sorted((tuple(r.values()) for r in query(settings, f"select * from {schema}.{t}")), key=repr)
                for t in models}  # fmt: skip

    assert every_row("marts") == every_row("marts_build")
    assert _state(settings) == "published"


def test_bad_data_failing_a_test_leaves_the_marts_unchanged(built, tmp_path):
    settings = _copy_of(built, tmp_path)
    before = snapshot(settings, lineage=True)
    # A new good call and one whose id is blank: staging's not_null test on call_id fails.
    load_day(settings.duckdb_path, "call_logs", _day3_calls("CL9", "  "))
    with pytest.raises(PipelineError, match="not_null_stg_raw__call_logs_call_id"):
        dbt_build(settings, progress=False)
    assert snapshot(settings, lineage=True) == before
    assert _state(settings) == "building"


def _failing_audit_project(tmp_path: Path) -> Path:
    """The real project plus one singular test on the last mart that always fails: the audit says no
    after every mart was written to marts_build."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (project / "tests" / "assert_audit_refuses.sql").write_text(
        "select complaint_key from {{ ref('obt_complaints') }}\n"
    )
    return project


def test_a_failed_audit_leaves_the_marts_unchanged_and_the_next_build_starts_from_them(built, tmp_path):
    settings = _copy_of(built, tmp_path)
    before = snapshot(settings, lineage=True)
    load_day(settings.duckdb_path, "call_logs", _day3_calls("CL9"))
    with pytest.raises(PipelineError, match="assert_audit_refuses"):
        dbt_build(settings, progress=False, project_dir=_failing_audit_project(tmp_path))
    # CL9 reached the build schema, not the published marts.
    assert ("call_center", "CL9") not in complaints(settings)
    assert query(settings, "select count(*) n from marts_build.fct_complaints where source_complaint_id = 'CL9'") == [
        {"n": 1}
    ]
    assert snapshot(settings, lineage=True) == before

    # DAY3 is loaded again without CL9 (the loader replaces a day): the unpublished increment must
    # not survive into the next build - it would fail the reconciliation with RAW.
    load_day(settings.duckdb_path, "call_logs", _day3_calls("CL10"))
    result = dbt_build(settings, progress=False)
    assert result.success and _state(settings) == "published"
    assert ("call_center", "CL9") not in complaints(settings)
    assert ("call_center", "CL10") in complaints(settings)

    refreshed = make_settings(tmp_path / "refreshed")
    refreshed.home.mkdir()
    shutil.copy(settings.duckdb_path, refreshed.duckdb_path)
    dbt_build(refreshed, full_refresh=True, progress=False)
    every_mart = tuple(sorted(p.stem for p in (PROJECT / "models" / "marts").glob("*.sql")))
    assert snapshot(settings, every_mart) == snapshot(refreshed, every_mart)


_BUILD = """
import sys
from pathlib import Path
from coretelecoms.settings import Settings
from coretelecoms.transform import dbt_build
home = Path(sys.argv[1])
dbt_build(Settings(home=home, duckdb_path=home / "warehouse.duckdb", warehouse="duckdb"), progress=False)
"""


@pytest.mark.slow
def test_a_build_killed_after_writing_marts_leaves_the_published_ones_consistent(built, tmp_path):
    settings = _copy_of(built, tmp_path)
    before = snapshot(settings, lineage=True)
    load_day(settings.duckdb_path, "call_logs", _day3_calls("CL9", "CL10"))
    log = settings.home / "dbt" / "local" / "logs" / "dbt.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-c", _BUILD, str(settings.home)], env=env)
    # Kill once fct_complaints has been written to marts_build and the next marts are building.
    kill_when(
        process,
        lambda: "marts_build.obt_complaints" in (log.read_text() if log.exists() else ""),
        timeout=600,
        poll=0.05,
        too_early="the build ended before it could be killed",
    )

    after = snapshot(settings, lineage=True)
    assert after == before
    assert len(after["fct_complaints"]) == len(after["obt_complaints"])  # consistent with each other

    result = dbt_build(settings, progress=False)  # the re-run publishes the day
    assert result.success
    assert {("call_center", "CL9"), ("call_center", "CL10")} <= set(complaints(settings))
    refreshed = make_settings(tmp_path / "refreshed")
    refreshed.home.mkdir()
    shutil.copy(settings.duckdb_path, refreshed.duckdb_path)
    dbt_build(refreshed, full_refresh=True, progress=False)
    assert snapshot(settings) == snapshot(refreshed)
