"""Data tests check the newest build's rows (macros/test_scope.sql): a day's cost, and still able to fail."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from dbt_raw import C1, DAY3, calls, delivery, load_day, load_time
from dbt_warehouse import make_settings, query

from coretelecoms.common.entities import CALL_LOGS
from coretelecoms.common.errors import PipelineError
from coretelecoms.transform import dbt_build

UNIQUE_FCT_KEY = "unique_fct_complaints_complaint_key"


@pytest.fixture(scope="module")
def next_day(built, tmp_path_factory):
    """The session warehouse plus one new call on a later day, built incrementally."""
    settings = make_settings(tmp_path_factory.mktemp("scoped"))
    shutil.copy(built.settings.duckdb_path, settings.duckdb_path)
    new_call = calls(("CL9", C1, 1001, "Payments", "Resolved", "2025-11-22 09:00:00", "2025-11-22 09:20:00", DAY3))
    load_day(settings.duckdb_path, "call_logs", delivery(CALL_LOGS, new_call, day=DAY3, at=load_time()))
    return settings, dbt_build(settings, progress=False)


def _compiled_test(settings, name: str) -> str:
    [path] = (settings.home / "dbt").rglob(f"target/run/**/{name}.sql")
    return path.read_text()


def test_a_marts_test_reads_only_the_rows_the_build_wrote(next_day):
    settings, result = next_day
    assert result.success
    sql = _compiled_test(settings, UNIQUE_FCT_KEY)
    assert '_built_at = (select max(_built_at) from "warehouse"."marts_build"."fct_complaints")' in sql
    [counts] = query(settings, """
        select count(*) as stored,
               count(case when _built_at = (select max(_built_at) from marts_build.fct_complaints) then 1 end) as checked
        from marts_build.fct_complaints
    """)
    assert 0 < counts["checked"] < counts["stored"]  # the day's rows: the new call (and its repeat-contact neighbours)


def test_a_staging_test_reads_the_newest_load(next_day):
    settings, _ = next_day
    sql = _compiled_test(settings, "unique_stg_raw__call_logs_call_id")
    assert '_loaded_at = (select max(_loaded_at) from "warehouse"."staging"."stg_raw__call_logs")' in sql


def test_a_table_without_lineage_is_checked_whole(next_day):
    settings, _ = next_day
    sql = _compiled_test(settings, "unique_dim_date_date_day")
    assert '"warehouse"."marts_build"."dim_date"' in sql and "select max(" not in sql


def test_a_duplicate_among_the_newest_rows_fails_and_blocks_the_publish(next_day, tmp_path):
    settings, _ = next_day
    broken = make_settings(tmp_path)
    shutil.copy(settings.duckdb_path, broken.duckdb_path)
    with duckdb.connect(str(broken.duckdb_path)) as con:
        con.execute("""
            insert into marts_build.fct_complaints
            select * from marts_build.fct_complaints
            where _built_at = (select max(_built_at) from marts_build.fct_complaints) limit 1
        """)
        published = con.execute("select count(*) from marts.fct_complaints").fetchone()
    with pytest.raises(PipelineError, match=UNIQUE_FCT_KEY):
        dbt_build(broken, progress=False)  # nothing new in RAW: the increment is empty
    with duckdb.connect(str(broken.duckdb_path)) as con:
        assert con.execute("select count(*) from marts.fct_complaints").fetchone() == published
