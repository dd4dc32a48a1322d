"""The same models on the Snowflake target: `dbt parse`, and builds against a fakesnow server, row for row as DuckDB.

fakesnow cannot create fully-qualified TEMPORARY objects (TOOLCHAIN.md), which dbt-snowflake uses for
every incremental run after the first, nor swap schemas (how the marts are published). The server
here runs with a test-only shim for both (fakesnow_shim.py; production SQL unchanged), so first
builds, consecutive incremental builds and a re-loaded old day all run on it. dbt unit tests are
excluded: they run on DuckDB.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml
from dbt_raw import (
    C1,
    DAY1,
    DAY2,
    DAY3,
    EXPECTED_COMPLAINTS,
    ORPHAN_CUSTOMER,
    agents_rows,
    base_raw,
    calls,
    customers_day2,
    delivery,
    load_day,
    load_time,
    social_day1,
    write_raw,
)
from dbt_warehouse import every_mart, make_settings, manifest, manifests_table, project_models, query

from coretelecoms.common.entities import AGENTS, CALL_LOGS, CUSTOMERS, SOCIAL_MEDIA
from coretelecoms.settings import Settings
from coretelecoms.transform import dbt_build, default_project_dir
from local_servers import serve

DATABASE = "CORETELECOMS"
FAKESNOW_WITH_SHIM = [sys.executable, str(Path(__file__).with_name("fakesnow_shim.py")), "-s", "-p"]
# dbt-snowflake runs unit tests through temporary tables fakesnow cannot create.
NO_UNIT_TESTS = "test_type:unit"
# fakesnow's server hands a NULL timestamp to the client as the Unix epoch, naive for timestamp_ntz and in
# UTC for timestamp_tz (the value is null in the database: `is null` holds).
_EPOCHS = (datetime(1970, 1, 1), datetime(1970, 1, 1, tzinfo=UTC))
_SNOWFLAKE_TYPES = {
    pa.string(): "varchar",
    pa.int64(): "bigint",
    pa.date32(): "date",
    pa.timestamp("us"): "timestamp_ntz",
    pa.timestamp("us", tz="UTC"): "timestamp_tz",
}


def test_dbt_parse_for_the_snowflake_target(tmp_path, monkeypatch):
    """Parsing renders the profile and every model, macro and test for Snowflake without connecting."""
    from dbt.cli.main import dbtRunner

    for name, value in {"SNOWFLAKE_ACCOUNT": "acme-xy12345", "SNOWFLAKE_USER": "dbt",
                        "SNOWFLAKE_PRIVATE_KEY_PATH": str(tmp_path / "key.p8"), "SNOWFLAKE_ROLE": "TRANSFORMER",
                        "SNOWFLAKE_WAREHOUSE": "TRANSFORMING", "SNOWFLAKE_DATABASE": DATABASE}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    project = str(default_project_dir())
    outcome = dbtRunner().invoke(
        ["parse", "--project-dir", project, "--profiles-dir", project, "--target", "snowflake",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--log-level", "none"]
    )  # fmt: skip
    assert outcome.success, outcome.exception
    manifest = outcome.result
    models = {n.name: n for n in manifest.nodes.values() if n.resource_type == "model"}
    assert models["fct_complaints"].schema == "marts_build"  # built and audited there, then published to marts
    assert models["stg_raw__call_logs"].schema == "staging"
    assert models["fct_complaints"].database == DATABASE


@pytest.fixture(scope="module")
def fakesnow(tmp_path_factory) -> Iterator[int]:
    """A fakesnow HTTP server the real snowflake-connector and dbt-snowflake talk to."""
    with serve(FAKESNOW_WITH_SHIM, log=tmp_path_factory.mktemp("fakesnow") / "server.log") as port:
        yield port


def _connect(port: int):
    import snowflake.connector

    return snowflake.connector.connect(
        account="fakesnow", user="tester", password="unused", host="127.0.0.1", port=port, protocol="http"
    )


def _write_raw(port: int, tables: dict[str, pa.Table | None]) -> None:
    """RAW tables in fakesnow, typed as the Snowflake loader creates them."""
    with _connect(port) as con:
        cur = con.cursor()
        cur.execute(f"create database if not exists {DATABASE}")
        cur.execute(f"use database {DATABASE}")
        cur.execute("create schema if not exists raw")
        for name, table in tables.items():
            if table is None:
                cur.execute(f"drop table if exists raw.{name}")
                continue
            columns = ", ".join(f"{f.name} {_SNOWFLAKE_TYPES[f.type]}" for f in table.schema)
            cur.execute(f"create or replace table raw.{name} ({columns})")
            if table.num_rows:
                placeholders = ", ".join(["%s"] * table.num_columns)
                rows = [tuple(r.values()) for r in table.to_pylist()]
                cur.executemany(f"insert into raw.{name} values ({placeholders})", rows)


def _query(port: int, sql: str) -> list[dict[str, Any]]:
    with _connect(port) as con:
        cur = con.cursor()
        cur.execute(f"use database {DATABASE}")
        cur.execute(sql)
        names = [d[0].lower() for d in cur.description]
        # A NULL timestamp arrives as the epoch (_EPOCHS); read it back as the null it is.
        return [
            {n: None if isinstance(v, datetime) and v in _EPOCHS else v for n, v in zip(names, row, strict=True)}
            for row in cur.fetchall()
        ]  # fmt: skip


@pytest.fixture
def snowflake_settings(fakesnow, tmp_path, monkeypatch) -> Settings:
    """Settings for the Snowflake warehouse, with the SNOWFLAKE_* variables pointing at fakesnow."""
    for name, value in {"SNOWFLAKE_ACCOUNT": "fakesnow", "SNOWFLAKE_USER": "tester", "SNOWFLAKE_PASSWORD": "unused",
                        "SNOWFLAKE_HOST": "127.0.0.1", "SNOWFLAKE_PORT": str(fakesnow),
                        "SNOWFLAKE_PROTOCOL": "http", "SNOWFLAKE_DATABASE": DATABASE}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SNOWFLAKE_PRIVATE_KEY_PATH", raising=False)
    return Settings(home=tmp_path, warehouse="snowflake")


@pytest.mark.slow
def test_first_build_on_snowflake_matches_duckdb(snowflake_settings, fakesnow, built):
    _write_raw(fakesnow, base_raw())

    result = dbt_build(snowflake_settings, exclude=NO_UNIT_TESTS, progress=False)

    assert result.target == "snowflake"
    assert (result.models_passed, result.models_failed, result.tests_failed) == (project_models(), 0, 0)
    assert result.warnings == built.result.warnings
    # Unit tests aside, the same tests ran and passed as on DuckDB.
    unit_tests = _unit_test_count()
    assert result.tests_passed == built.result.tests_passed - unit_tests
    rows = _query(fakesnow, "select * from marts.fct_complaints")
    assert {(r["channel"], r["source_complaint_id"]) for r in rows} == set(EXPECTED_COMPLAINTS)
    for row in rows:
        expected = EXPECTED_COMPLAINTS[(row["channel"], row["source_complaint_id"])]
        actual = {name: row[name] for name in expected}
        if isinstance(actual["resolution_minutes"], Decimal):
            actual["resolution_minutes"] = float(actual["resolution_minutes"])
        assert actual == expected
    # The dispatch macros (regex, sha256, ISO weekday) give DuckDB's answers.
    for table, key in [("dim_customers", "customer_id"), ("obt_complaints", "complaint_key"),
                       ("customer_complaint_history", "customer_id"), ("agent_daily_performance", "agent_day_key")]:  # fmt: skip
        on_duckdb = {r[key]: r for r in query(built.settings, f"select * from marts.{table}")}
        on_snowflake = {r[key]: r for r in _query(fakesnow, f"select * from marts.{table}")}
        assert on_snowflake.keys() == on_duckdb.keys(), table
        for k, row in on_snowflake.items():
            assert _comparable(row) == _comparable(on_duckdb[k]), (table, k)
    [day] = _query(fakesnow, "select * from marts.dim_date where date_day = '2025-11-20'")
    assert (day["day_of_week"], day["day_name"], day["week_start_date"]) == (
        4,
        "Thursday",
        date(2025, 11, 17),
    )


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    """Values as both warehouses' drivers can agree on them (numbers as floats), without `_built_at`: when
    the build that wrote the row started, which differs between the two warehouses' builds by design."""
    return {
        k: float(v) if isinstance(v, Decimal | int) and not isinstance(v, bool) else v
        for k, v in row.items()
        if k != "_built_at"
    }


@pytest.mark.slow
def test_missing_raw_table_and_full_refresh_on_snowflake(snowflake_settings, fakesnow):
    raw = base_raw()
    raw["call_logs"] = None
    _write_raw(fakesnow, raw)

    result = dbt_build(snowflake_settings, exclude=NO_UNIT_TESTS, full_refresh=True, progress=False)

    assert result.success
    assert result.stale_sources == ("raw.call_logs: missing or empty",)
    channels = _query(fakesnow, "select distinct channel from marts.fct_complaints")
    assert {r["channel"] for r in channels} == {"social_media", "web_form"}


def _unit_test_count() -> int:
    models = default_project_dir() / "models"
    return sum(len((yaml.safe_load(p.read_text()) or {}).get("unit_tests") or []) for p in models.rglob("*.yml"))


def _load_day(port: int, name: str, table: pa.Table) -> None:
    """One day loaded as the loader does: that day's rows replaced by `table`'s."""
    with _connect(port) as con:
        cur = con.cursor()
        cur.execute(f"use database {DATABASE}")
        for day in sorted(set(table.column("_ingest_date").to_pylist())):
            cur.execute(f"delete from raw.{name} where _ingest_date = %s", (day,))
        placeholders = ", ".join(["%s"] * table.num_columns)
        cur.executemany(
            f"insert into raw.{name} ({', '.join(table.column_names)}) values ({placeholders})",
            [tuple(r.values()) for r in table.to_pylist()],
        )


def _marts_on_both(settings: Settings, port: int) -> tuple[dict, dict]:
    """Every published mart on DuckDB and on Snowflake, as sorted lists of comparable rows."""
    models = every_mart()
    assert {"data_quality_daily", "customer_health_weekly", "backlog_daily"} <= set(models)
    duck = {m: sorted(map(_comparable, query(settings, f"select * from marts.{m}")), key=repr) for m in models}
    snow = {m: sorted(map(_comparable, _query(port, f"select * from marts.{m}")), key=repr) for m in models}
    return duck, snow


@pytest.mark.slow
def test_consecutive_builds_and_a_reloaded_old_day_match_duckdb(snowflake_settings, fakesnow, tmp_path):
    """The incremental runs after the first (fakesnow shim), on both warehouses, row for row."""
    # The extracts' manifests too, so data_quality_daily's manifest columns are compared as well.
    manifests = [
        manifest("call-logs", DAY1, 6, {"unparseable call_start_time": 2, "empty call ID": 1}),
        manifest("customers", DAY1, 6),
        manifest("web-forms", DAY2, 2, drift=["channel_hint"]),
    ]  # fmt: skip
    raw = {**base_raw(), "extract_manifests": manifests_table(manifests)}
    duck = make_settings(tmp_path / "duckdb")
    duck.home.mkdir()
    write_raw(duck.duckdb_path, raw)
    # Published marts that the full refresh below replaces (built without call logs, loaded at the same
    # times): the Snowflake publish swaps schemas, so the build schema then holds these, and the next
    # incremental build must start from what the full refresh published, not from them.
    _write_raw(fakesnow, {**raw, "call_logs": None})
    steps = [dbt_build(snowflake_settings, exclude=NO_UNIT_TESTS, full_refresh=True, progress=False)]
    _write_raw(fakesnow, raw)
    steps += [dbt_build(duck, progress=False), dbt_build(snowflake_settings, exclude=NO_UNIT_TESTS, full_refresh=True, progress=False)]
    # A second build with nothing new: the incremental path, with its temporary relation.
    steps += [dbt_build(duck, progress=False), dbt_build(snowflake_settings, exclude=NO_UNIT_TESTS, progress=False)]
    first_duck, first_snow = _marts_on_both(duck, fakesnow)
    assert first_snow == first_duck

    # DAY3: CL1 re-delivered (a later status wins), the orphan customer of CL2 appears; DAY1's
    # social-media complaints re-loaded (SM2's DAY2 status must survive).
    now = load_time()  # a load after the base data's, stamped so as the loaders do
    cl1 = calls(("CL1", C1, 1001, "Payments", "Blocked", "2025-11-20 10:00:00", "2025-11-20 10:30:00", DAY3))
    orphan = {**customers_day2()[0], "customer_id": ORPHAN_CUSTOMER, "email": "late@gmail.com"}
    loads = [
        ("call_logs", delivery(CALL_LOGS, cl1, day=DAY3, at=now)),
        ("customers", delivery(CUSTOMERS, [*customers_day2(), orphan], day=DAY3, at=now)),
        ("agents", delivery(AGENTS, agents_rows(), day=DAY3, at=now)),
        ("social_media_complaints", delivery(SOCIAL_MEDIA, social_day1(), day=DAY1, at=now)),
    ]
    for name, table in loads:
        load_day(duck.duckdb_path, name, table)
        _load_day(fakesnow, name, table)
    day3_manifests = {"extract_manifests": manifests_table([*manifests, manifest("call-logs", DAY3, 1)])}
    write_raw(duck.duckdb_path, day3_manifests)
    _write_raw(fakesnow, day3_manifests)
    steps += [dbt_build(duck, progress=False), dbt_build(snowflake_settings, exclude=NO_UNIT_TESTS, progress=False)]
    assert all(step.success for step in steps)

    on_duckdb, on_snowflake = _marts_on_both(duck, fakesnow)
    assert on_snowflake == on_duckdb
    assert on_snowflake != first_snow  # the day changed something
    fct = {(r["channel"], r["source_complaint_id"]): r for r in on_snowflake["fct_complaints"]}
    assert fct[("call_center", "CL1")]["resolution_status"] == "Blocked"
    assert fct[("social_media", "SM2")]["resolution_status"] == "Resolved"
    assert fct[("call_center", "CL2")]["customer_id"] == ORPHAN_CUSTOMER
    quality = {(r["entity"], r["ingest_date"]): r for r in on_snowflake["data_quality_daily"]}
    assert quality[("call-logs", DAY1)]["top_quarantine_reason"] == "unparseable call_start_time"
    assert quality[("web-forms", DAY2)]["has_drift"] is True
    assert quality[("call-logs", DAY3)]["has_manifest"] is True


@pytest.mark.parametrize("target", ["local", pytest.param("snowflake", marks=pytest.mark.slow)])
def test_a_raw_table_is_not_missing_while_dbt_caches_its_schema(target, request, tmp_path, monkeypatch):
    """CI once built stg_raw__web_form_requests from the empty shape although raw.web_form_requests existed.

    On a cache miss dbt lists a schema and caches its relations one at a time, and the first one
    cached marks the schema cached: a thread asking meanwhile gets the part cached so far. Here the
    cache holds one RAW relation of several, as such a thread sees it; source_or_empty must still
    select from the table (it confirms "missing" against the catalog).
    """
    from dbt.cli.main import dbtRunner

    if target == "snowflake":
        _write_raw(request.getfixturevalue("fakesnow"), base_raw())
        request.getfixturevalue("snowflake_settings")  # the SNOWFLAKE_* variables
        database = DATABASE
    else:
        settings = make_settings(tmp_path)
        write_raw(settings.duckdb_path, base_raw())
        monkeypatch.setenv("CORETELECOMS_DUCKDB_PATH", str(settings.duckdb_path))
        database = settings.duckdb_path.stem
    partly_cached = (
        f"{{% do adapter.cache_added(api.Relation.create(database='{database}', schema='raw', "
        "identifier='agents', type='table')) %}"
        "{{ coretelecoms.source_or_empty('raw', 'web_form_requests') }}"
    )
    project = str(default_project_dir())
    outcome = dbtRunner().invoke(
        ["compile", "--project-dir", project, "--profiles-dir", project, "--target", target,
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--log-level", "none",
         "--inline", partly_cached]
    )  # fmt: skip
    assert outcome.success, outcome.exception
    [compiled] = [r.node.compiled_code for r in outcome.result.results]
    assert compiled.strip().lower().startswith("select * from"), compiled
    assert "web_form_requests" in compiled.lower(), compiled


@pytest.mark.slow
def test_every_model_compiled_for_snowflake_parses_as_snowflake_sql(snowflake_settings, fakesnow, tmp_path):
    """sqlglot (dialect snowflake) reads every model and test dbt compiles for the snowflake target."""
    import sqlglot
    from dbt.cli.main import dbtRunner

    _write_raw(fakesnow, base_raw())  # compile looks RAW up (source_or_empty)
    project = str(default_project_dir())
    target = tmp_path / "target"
    outcome = dbtRunner().invoke(
        ["compile", "--project-dir", project, "--profiles-dir", project, "--target", "snowflake",
         "--target-path", str(target), "--log-path", str(tmp_path / "logs"), "--log-level", "none",
         "--exclude", NO_UNIT_TESTS]
    )  # fmt: skip
    assert outcome.success, outcome.exception
    compiled = sorted((target / "compiled").rglob("*.sql"))
    models = [p for p in compiled if "/models/" in str(p) and "/_" not in str(p.relative_to(target))]
    assert {p.stem for p in models} >= {p.stem for p in (default_project_dir() / "models").rglob("*.sql")}
    for path in compiled:
        statements = sqlglot.parse(path.read_text(), read="snowflake")
        assert [s for s in statements if s is not None], path


def _published_on_snowflake(port: int) -> dict[str, list[tuple]]:
    """Every published mart's rows, lineage (_built_at) included: an unchanged mart is the same build."""
    return {m: sorted((tuple(r.values()) for r in _query(port, f"select * from marts.{m}")), key=repr)
            for m in every_mart()}  # fmt: skip


@pytest.mark.slow
def test_a_failed_audit_on_snowflake_leaves_the_published_marts_unchanged(snowflake_settings, fakesnow, tmp_path):
    """Write-audit-publish on Snowflake (issue 11.4): every mart is rebuilt in marts_build, then one test
    on the last mart fails; nothing is swapped in."""
    import shutil

    from coretelecoms.common.errors import PipelineError

    _write_raw(fakesnow, base_raw())
    assert dbt_build(snowflake_settings, exclude=NO_UNIT_TESTS, full_refresh=True, progress=False).success
    before = _published_on_snowflake(fakesnow)
    new_call = calls(("CL9", C1, 1001, "Payments", "Backlog", "2025-11-22 10:00:00", "2025-11-22 10:05:00", DAY3))
    _load_day(fakesnow, "call_logs", delivery(CALL_LOGS, new_call, day=DAY3, at=load_time()))
    project = tmp_path / "project"
    shutil.copytree(default_project_dir(), project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (project / "tests" / "assert_audit_refuses.sql").write_text(
        "select complaint_key from {{ ref('obt_complaints') }}\n"
    )
    with pytest.raises(PipelineError, match="assert_audit_refuses"):
        dbt_build(snowflake_settings, exclude=NO_UNIT_TESTS, progress=False, project_dir=project)
    built = _query(fakesnow, "select source_complaint_id from marts_build.fct_complaints")
    assert "CL9" in {r["source_complaint_id"] for r in built}  # written and audited, then refused
    assert _published_on_snowflake(fakesnow) == before
    assert _query(fakesnow, "select state from public.marts_publication") == [{"state": "building"}]
